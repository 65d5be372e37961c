/** Overview: clusters with their health, machines by status, and the latest pool (scaling) events. */
import { Card, Col, Row, Statistic, Table, Typography } from "antd";
import { Link } from "react-router-dom";
import type { Cluster } from "../api/types.ts";
import { useIdentity } from "../auth/session.tsx";
import { ErrorAlert } from "../components/error-alert.tsx";
import { EventList } from "../components/event-list.tsx";
import { formatTime } from "../components/format.ts";
import { StatusBarChart } from "../components/status-bar-chart.tsx";
import { StatusTag } from "../components/status-tag.tsx";
import { useClusters } from "../hooks/use-clusters.ts";
import { useEvents } from "../hooks/use-events.ts";
import { statusCountRows, useMachineSummary } from "../hooks/use-machine-counts.ts";

const columns = [
  {
    title: "Cluster",
    dataIndex: "name",
    render: (name: string, c: Cluster) => <Link to={`/clusters/${c.id}`}>{name}</Link>,
  },
  { title: "Health", dataIndex: "health", render: (h: string) => <StatusTag status={h} /> },
  { title: "Status", dataIndex: "status", render: (s: string) => <StatusTag status={s} /> },
  { title: "Machines", render: (_: unknown, c: Cluster) => c.nodeCounts.total },
  { title: "Ready", render: (_: unknown, c: Cluster) => c.nodeCounts.byStatus.ready ?? 0 },
  { title: "Last heartbeat", dataIndex: "lastHeartbeatAt", render: formatTime },
];

export function Overview() {
  const identity = useIdentity();
  const clusters = useClusters();
  // every machine count on this page comes from one read (one snapshot), the chart's included
  const summary = useMachineSummary();
  const events = useEvents({ kind: "pool.", limit: 10 }, { refetchInterval: 30_000 });
  const list = clusters.data ?? [];
  const rows = statusCountRows(summary.data);
  const healthy = list.filter((c) => c.health === "healthy").length;
  const assigned = summary.data ? summary.data.total - summary.data.free.total : undefined;
  // a cluster-scoped token never sees the free inventory: its zeros would read as "none free"
  const freeAvailable = identity.scope === "all" ? summary.data?.free.byStatus.available : undefined;
  return (
    <>
      <Typography.Title level={3}>Overview</Typography.Title>
      <ErrorAlert error={clusters.error} />
      <Row gutter={[16, 16]}>
        <Col xs={12} md={6}>
          <Card>
            <Statistic title="Clusters" value={list.length} loading={clusters.isLoading} />
          </Card>
        </Col>
        <Col xs={12} md={6}>
          <Card>
            <Statistic title="Healthy clusters" value={healthy} loading={clusters.isLoading} />
          </Card>
        </Col>
        <Col xs={12} md={6}>
          <Card>
            <Statistic title="Machines in clusters" value={assigned ?? "—"} loading={summary.isLoading} />
          </Card>
        </Col>
        <Col xs={12} md={6}>
          <Card>
            <Statistic
              title="Free machines available"
              value={freeAvailable ?? "—"}
              loading={summary.isLoading}
            />
          </Card>
        </Col>
        <Col xs={24} xl={14}>
          <Card title="Clusters">
            <Table
              rowKey="id"
              size="small"
              columns={columns}
              dataSource={list}
              loading={clusters.isLoading}
              pagination={false}
            />
          </Card>
        </Col>
        <Col xs={24} xl={10}>
          <Card title="Machines by status">
            <ErrorAlert error={summary.error} />
            <StatusBarChart rows={rows} />
          </Card>
        </Col>
        <Col xs={24}>
          <Card title="Recent scaling and pool events">
            <ErrorAlert error={events.error} />
            <EventList events={events.data?.items ?? []} empty="No pool events yet" />
          </Card>
        </Col>
      </Row>
    </>
  );
}
