/** A cluster's pools: sizes, live status counts, autoscaling switch and settings. */
import { useQueries } from "@tanstack/react-query";
import { Breadcrumb, Space, Table, Typography } from "antd";
import { Link, useParams } from "react-router-dom";
import { api, unwrap } from "../api/client.ts";
import type { Pool, PoolStatus } from "../api/types.ts";
import { ErrorAlert } from "../components/error-alert.tsx";
import { IfRole } from "../components/role-gate.tsx";
import { MACHINE_STATES, StatusTag } from "../components/status-tag.tsx";
import { useClusterNames } from "../hooks/use-clusters.ts";
import { usePools } from "../hooks/use-pools.ts";
import { PoolSettingsButton } from "./pool-settings.tsx";
import { PoolToggle } from "./pool-toggle.tsx";

function StatusCounts({ status }: { status: PoolStatus | undefined }) {
  if (!status) return <>…</>;
  return (
    <Space size={[0, 4]} wrap>
      {MACHINE_STATES.filter((s) => (status.counts[s] ?? 0) > 0).map((s) => (
        <span key={s}>
          <StatusTag status={s} />
          {status.counts[s]}
        </span>
      ))}
      {status.total === 0 ? <Typography.Text type="secondary">no machines</Typography.Text> : null}
    </Space>
  );
}

export function ClusterPools() {
  const { clusterId = "" } = useParams();
  const clusterName = useClusterNames();
  const pools = usePools(clusterId);
  const statuses = useQueries({
    queries: (pools.data ?? []).map((p) => ({
      queryKey: ["pool-status", clusterId, p.id],
      queryFn: () =>
        unwrap(
          api.GET("/v1/clusters/{clusterId}/pools/{poolId}/status", {
            params: { path: { clusterId, poolId: p.id } },
          }),
        ),
    })),
  });
  const statusOf = (id: string) => statuses.find((s) => s.data?.poolId === id)?.data;
  const columns = [
    {
      title: "Pool",
      dataIndex: "name",
      render: (n: string, p: Pool) => <Link to={`/clusters/${clusterId}/pools/${p.id}`}>{n}</Link>,
    },
    { title: "Min", dataIndex: "minSize" },
    { title: "Max", dataIndex: "maxSize" },
    { title: "Target", render: (_: unknown, p: Pool) => statusOf(p.id)?.target ?? "…" },
    {
      title: "Machines by status",
      render: (_: unknown, p: Pool) => <StatusCounts status={statusOf(p.id)} />,
    },
    {
      title: "Autoscaling",
      render: (_: unknown, p: Pool) => (
        <PoolToggle clusterId={clusterId} poolId={p.id} name={p.name} enabled={p.autoscalingEnabled} />
      ),
    },
    {
      title: "",
      render: (_: unknown, p: Pool) => (
        <IfRole minimum="operator">
          <PoolSettingsButton pool={p} />
        </IfRole>
      ),
    },
  ];
  return (
    <>
      <Breadcrumb
        items={[{ title: <Link to="/clusters">Clusters</Link> }, { title: clusterName(clusterId) }]}
      />
      <Typography.Title level={3}>Pools of {clusterName(clusterId)}</Typography.Title>
      <ErrorAlert error={pools.error} />
      <Table
        rowKey="id"
        columns={columns}
        dataSource={pools.data ?? []}
        loading={pools.isLoading}
        pagination={false}
        scroll={{ x: true }}
      />
    </>
  );
}
