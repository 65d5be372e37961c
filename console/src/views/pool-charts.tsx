/** A pool's history: machines by status over time (stacked areas) and CPU/memory utilisation. */
import { useQuery } from "@tanstack/react-query";
import { Card, Col, Empty, Row, Segmented } from "antd";
import { useState } from "react";
import {
  Area,
  AreaChart,
  CartesianGrid,
  Legend,
  Line,
  LineChart,
  ResponsiveContainer,
  Tooltip,
  XAxis,
  YAxis,
} from "recharts";
import { api, unwrap } from "../api/client.ts";
import { ErrorAlert } from "../components/error-alert.tsx";
import { MACHINE_STATES, STATE_COLOURS } from "../components/status-tag.tsx";

const RANGES = { "6 hours": 6, "24 hours": 24, "7 days": 24 * 7 } as const;
type Range = keyof typeof RANGES;

function tick(iso: string): string {
  const d = new Date(iso);
  return `${d.toLocaleDateString(undefined, { month: "short", day: "numeric" })} ${d.toLocaleTimeString(undefined, { hour: "2-digit", minute: "2-digit" })}`;
}

export function PoolCharts({ clusterId, poolId }: { clusterId: string; poolId: string }) {
  const [range, setRange] = useState<Range>("24 hours");
  const history = useQuery({
    queryKey: ["pool-history", clusterId, poolId, range],
    refetchInterval: 60_000,
    queryFn: () => {
      const until = new Date();
      const since = new Date(until.getTime() - RANGES[range] * 3_600_000);
      return unwrap(
        api.GET("/v1/clusters/{clusterId}/pools/{poolId}/history", {
          params: {
            path: { clusterId, poolId },
            query: { since: since.toISOString(), until: until.toISOString() },
          },
        }),
      );
    },
  });
  const samples = (history.data?.samples ?? []).map((s) => ({ at: s.at, ...s.counts }));
  const utilisation = (history.data?.utilisation ?? []).map((u) => ({
    at: u.at,
    cpu: u.cpu === null ? null : Math.round(u.cpu * 100),
    memory: u.memory === null ? null : Math.round(u.memory * 100),
  }));
  return (
    <>
      <Segmented<Range>
        options={Object.keys(RANGES) as Range[]}
        value={range}
        onChange={setRange}
        style={{ marginBottom: 16 }}
      />
      <ErrorAlert error={history.error} />
      <Row gutter={[16, 16]}>
        <Col xs={24} xl={12}>
          <Card size="small" title="Machines by status over time">
            {samples.length === 0 ? (
              <Empty image={Empty.PRESENTED_IMAGE_SIMPLE} description="No samples in this window" />
            ) : (
              <ResponsiveContainer width="100%" height={260}>
                <AreaChart data={samples}>
                  <CartesianGrid strokeDasharray="3 3" />
                  <XAxis dataKey="at" tickFormatter={tick} minTickGap={40} />
                  <YAxis allowDecimals={false} />
                  <Tooltip labelFormatter={(l) => tick(String(l))} />
                  <Legend />
                  {MACHINE_STATES.map((s) => (
                    <Area
                      key={s}
                      type="stepAfter"
                      dataKey={s}
                      stackId="1"
                      stroke={STATE_COLOURS[s]}
                      fill={STATE_COLOURS[s]}
                      isAnimationActive={false}
                    />
                  ))}
                </AreaChart>
              </ResponsiveContainer>
            )}
          </Card>
        </Col>
        <Col xs={24} xl={12}>
          <Card size="small" title="Utilisation (requested / allocatable, %)">
            {utilisation.length === 0 ? (
              <Empty
                image={Empty.PRESENTED_IMAGE_SIMPLE}
                description="No resource snapshots in this window"
              />
            ) : (
              <ResponsiveContainer width="100%" height={260}>
                <LineChart data={utilisation}>
                  <CartesianGrid strokeDasharray="3 3" />
                  <XAxis dataKey="at" tickFormatter={tick} minTickGap={40} />
                  <YAxis domain={[0, 100]} unit="%" />
                  <Tooltip labelFormatter={(l) => tick(String(l))} />
                  <Legend />
                  <Line
                    dataKey="cpu"
                    name="CPU"
                    stroke="#1677ff"
                    dot={false}
                    connectNulls
                    isAnimationActive={false}
                  />
                  <Line
                    dataKey="memory"
                    name="memory"
                    stroke="#fa8c16"
                    dot={false}
                    connectNulls
                    isAnimationActive={false}
                  />
                </LineChart>
              </ResponsiveContainer>
            )}
          </Card>
        </Col>
      </Row>
    </>
  );
}
