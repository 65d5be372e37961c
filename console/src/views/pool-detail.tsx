/** One pool: live status counts, "Why didn't it scale?", history charts and its recent events. */
import { Breadcrumb, Card, Col, Descriptions, Row, Space, Statistic, Typography } from "antd";
import { Link, useParams } from "react-router-dom";
import type { MachineEvent } from "../api/types.ts";
import { ErrorAlert } from "../components/error-alert.tsx";
import { EventList } from "../components/event-list.tsx";
import { MACHINE_STATES, STATE_COLOURS } from "../components/status-tag.tsx";
import { useClusterNames } from "../hooks/use-clusters.ts";
import { usePoolStatus } from "../hooks/use-pools.ts";
import { PoolCharts } from "./pool-charts.tsx";
import { PoolToggle } from "./pool-toggle.tsx";
import { PoolWhy } from "./pool-why.tsx";

export function PoolDetail() {
  const { clusterId = "", poolId = "" } = useParams();
  const clusterName = useClusterNames();
  const status = usePoolStatus(clusterId, poolId);
  const s = status.data;
  const events: MachineEvent[] = (s?.events ?? []).map((e) => ({
    ...e,
    status: e.status as MachineEvent["status"],
    requestId: null,
    clusterId,
    poolId,
    delta: null,
    error: null,
    startedAt: e.createdAt,
    endedAt: null,
  }));
  return (
    <>
      <Breadcrumb
        items={[
          { title: <Link to="/clusters">Clusters</Link> },
          { title: <Link to={`/clusters/${clusterId}`}>{clusterName(clusterId)}</Link> },
          { title: s?.name ?? poolId },
        ]}
      />
      <Typography.Title level={3}>Pool {s?.name ?? ""}</Typography.Title>
      <ErrorAlert error={status.error} />
      {s ? (
        <Space orientation="vertical" size={16} style={{ width: "100%" }}>
          <Card>
            <Descriptions size="small" column={{ xs: 1, md: 4 }}>
              <Descriptions.Item label="Min">{s.minSize}</Descriptions.Item>
              <Descriptions.Item label="Max">{s.maxSize}</Descriptions.Item>
              <Descriptions.Item label="Target">{s.target}</Descriptions.Item>
              <Descriptions.Item label="Autoscaling">
                <PoolToggle
                  clusterId={s.clusterId}
                  poolId={s.poolId}
                  name={s.name}
                  enabled={s.autoscalingEnabled}
                />
              </Descriptions.Item>
            </Descriptions>
            <Row gutter={16}>
              {MACHINE_STATES.map((state) => (
                <Col key={state} xs={8} md={4} xl={2}>
                  <Statistic
                    title={state}
                    value={s.counts[state] ?? 0}
                    styles={{ content: { color: STATE_COLOURS[state] } }}
                  />
                </Col>
              ))}
            </Row>
          </Card>
          <Card title="Why didn't it scale?">
            <PoolWhy scaling={s.scaling} />
          </Card>
          <Card title="History">
            <PoolCharts clusterId={s.clusterId} poolId={s.poolId} />
          </Card>
          <Card title="Recent events">
            <EventList events={events} />
          </Card>
        </Space>
      ) : null}
    </>
  );
}
