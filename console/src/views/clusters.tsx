/** Clusters: status, versions, node counts and capacity; admins rotate registration tokens here. */
import { Table, Typography } from "antd";
import { Link } from "react-router-dom";
import type { Cluster } from "../api/types.ts";
import { ErrorAlert } from "../components/error-alert.tsx";
import { formatBytes, formatCpuMillis, formatTime } from "../components/format.ts";
import { useHasRole } from "../components/role-gate.tsx";
import { StatusTag } from "../components/status-tag.tsx";
import { useClusters } from "../hooks/use-clusters.ts";
import { RotateTokenButton } from "./rotate-token-button.tsx";

function capacity(c: Cluster): string {
  const ready = c.capacity.ready;
  return `${ready.machines} ready · ${ready.cpuCores} cores · ${formatBytes(ready.memoryBytes)}`;
}

function usage(c: Cluster): string {
  if (!c.resources) return "no snapshot yet";
  const r = c.resources;
  return `${formatCpuMillis(r.requested.cpuMillis)} of ${formatCpuMillis(r.allocatable.cpuMillis)} requested · ${formatBytes(r.requested.memoryBytes)} of ${formatBytes(r.allocatable.memoryBytes)}`;
}

export function Clusters() {
  const clusters = useClusters();
  const admin = useHasRole("admin");
  const columns = [
    {
      title: "Name",
      dataIndex: "name",
      render: (n: string, c: Cluster) => <Link to={`/clusters/${c.id}`}>{n}</Link>,
    },
    { title: "Status", dataIndex: "status", render: (s: string) => <StatusTag status={s} /> },
    { title: "Health", dataIndex: "health", render: (s: string) => <StatusTag status={s} /> },
    {
      title: "Versions",
      render: (_: unknown, c: Cluster) => (
        <>
          <div>Kubernetes {c.kubernetesVersion ?? "—"}</div>
          <Typography.Text type="secondary">agent {c.agentVersion ?? "—"}</Typography.Text>
        </>
      ),
    },
    {
      title: "Nodes",
      render: (_: unknown, c: Cluster) => (c.nodes ? `${c.nodes.ready}/${c.nodes.total} ready` : "—"),
    },
    { title: "Pool machines", render: (_: unknown, c: Cluster) => c.nodeCounts.total },
    { title: "Capacity", render: (_: unknown, c: Cluster) => capacity(c) },
    { title: "Requests", render: (_: unknown, c: Cluster) => usage(c) },
    { title: "Last heartbeat", dataIndex: "lastHeartbeatAt", render: formatTime },
    ...(admin
      ? [
          {
            title: "Registration",
            render: (_: unknown, c: Cluster) => <RotateTokenButton clusterId={c.id} clusterName={c.name} />,
          },
        ]
      : []),
  ];
  return (
    <>
      <Typography.Title level={3}>Clusters</Typography.Title>
      <ErrorAlert error={clusters.error} />
      <Table
        rowKey="id"
        columns={columns}
        dataSource={clusters.data ?? []}
        loading={clusters.isLoading}
        pagination={{ pageSize: 50, hideOnSinglePage: true }}
        scroll={{ x: true }}
      />
    </>
  );
}
