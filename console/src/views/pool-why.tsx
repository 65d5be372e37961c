/**
 * "Why didn't it scale?": the pool's last scale-up and scale-down decisions with their
 * reasons, and the machines holding it back (fault, backoff, failed joins).
 */
import { Card, Col, Descriptions, Empty, Row, Tag, Typography } from "antd";
import type { ReactNode } from "react";
import { Link } from "react-router-dom";
import type { PoolScaling, ScalingDecision } from "../api/types.ts";
import { formatTime } from "../components/format.ts";

/** A plain list with a line for "nothing here" (antd's List is deprecated). */
function Lines<T>({ items, empty, line }: { items: T[]; empty: string; line: (item: T) => ReactNode }) {
  if (items.length === 0) return <Typography.Text type="secondary">{empty}</Typography.Text>;
  return (
    <ul style={{ paddingInlineStart: 18, margin: 0 }}>
      {items.map((item, i) => (
        // the API's order is the meaning (most telling first), and items carry no id
        // biome-ignore lint/suspicious/noArrayIndexKey: see above
        <li key={i} style={{ padding: "4px 0" }}>
          {line(item)}
        </li>
      ))}
    </ul>
  );
}

const OUTCOME_COLOURS = { granted: "green", partial: "orange", refused: "red" } as const;

function Decision({ title, decision }: { title: string; decision: ScalingDecision | null }) {
  return (
    <Card size="small" title={title}>
      {decision ? (
        <>
          <Descriptions size="small" column={1}>
            <Descriptions.Item label="When">
              {formatTime(decision.at)}
              {decision.repeats > 1
                ? ` (${decision.repeats} times in a row since ${formatTime(decision.firstAt)})`
                : ""}
            </Descriptions.Item>
            <Descriptions.Item label="Outcome">
              <Tag color={OUTCOME_COLOURS[decision.outcome]}>{decision.outcome}</Tag>
              {decision.granted} of {decision.requested} machines granted
            </Descriptions.Item>
          </Descriptions>
          <Lines
            items={decision.reasons}
            empty="no reasons recorded"
            line={(r) => (
              <>
                <Typography.Text code>{r.code}</Typography.Text> {r.message}
                {r.requirement ? <Tag style={{ marginLeft: 8 }}>{r.requirement}</Tag> : null}
                {r.count !== undefined ? <Tag style={{ marginLeft: 8 }}>{r.count} machines</Tag> : null}
              </>
            )}
          />
        </>
      ) : (
        <Empty image={Empty.PRESENTED_IMAGE_SIMPLE} description="No decision recorded yet" />
      )}
    </Card>
  );
}

export function PoolWhy({ scaling }: { scaling: PoolScaling }) {
  return (
    <Row gutter={[16, 16]}>
      <Col xs={24} lg={12}>
        <Decision title="Last scale-up" decision={scaling.lastScaleUp} />
      </Col>
      <Col xs={24} lg={12}>
        <Decision title="Last scale-down" decision={scaling.lastScaleDown} />
      </Col>
      <Col xs={24}>
        <Card size="small" title="Machines holding the pool back">
          <Lines
            items={scaling.blockers}
            empty="none: no machine in fault, backoff or a failed join"
            line={(b) => (
              <>
                <Tag color={b.kind === "fault" ? "red" : "orange"}>{b.kind}</Tag>
                <Link to={`/machines/${b.machineId}`}>{b.machineName}</Link>: {b.reason}{" "}
                <Typography.Text type="secondary">since {formatTime(b.since)}</Typography.Text>
              </>
            )}
          />
        </Card>
      </Col>
    </Row>
  );
}
