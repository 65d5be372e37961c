/** One strategy: its settings and its evaluation history (why it did or did not order machines). */
import { useQuery } from "@tanstack/react-query";
import { Breadcrumb, Card, Descriptions, Space, Table, Tag, Typography } from "antd";
import { Link, useParams } from "react-router-dom";
import { api, unwrap } from "../api/client.ts";
import type { StrategyEvaluation } from "../api/types.ts";
import { ErrorAlert } from "../components/error-alert.tsx";
import { formatTime } from "../components/format.ts";
import { useClusterNames } from "../hooks/use-clusters.ts";
import { usePoolNames } from "../hooks/use-pool-names.ts";
import { StrategyToggle } from "./strategies.tsx";

export function StrategyDetail() {
  const { strategyId = "" } = useParams();
  const clusterName = useClusterNames();
  const poolName = usePoolNames();
  const strategy = useQuery({
    queryKey: ["strategy", strategyId],
    queryFn: () => unwrap(api.GET("/v1/strategies/{strategyId}", { params: { path: { strategyId } } })),
  });
  const history = useQuery({
    queryKey: ["strategy-history", strategyId],
    queryFn: () =>
      unwrap(
        api.GET("/v1/strategies/{strategyId}/history", {
          params: { path: { strategyId }, query: { limit: 100 } },
        }),
      ),
  });
  const s = strategy.data;
  const columns = [
    { title: "Run", dataIndex: "runKey" },
    { title: "Cluster", dataIndex: "clusterId", render: clusterName },
    { title: "Pool", dataIndex: "poolId", render: poolName },
    {
      title: "Result",
      dataIndex: "result",
      render: (r: string) => (
        <Tag color={r === "order_created" ? "green" : r === "error" ? "red" : "default"}>{r}</Tag>
      ),
    },
    { title: "Reason", dataIndex: "reason" },
    {
      title: "Order",
      dataIndex: "orderId",
      render: (id: string | null) => (id ? <Link to={`/orders/${id}`}>{id.slice(0, 8)}</Link> : "—"),
    },
    { title: "At", dataIndex: "createdAt", render: formatTime },
  ];
  return (
    <>
      <Breadcrumb
        items={[{ title: <Link to="/strategies">Strategies</Link> }, { title: s?.name ?? strategyId }]}
      />
      <Typography.Title level={3}>Strategy {s?.name ?? ""}</Typography.Title>
      <ErrorAlert error={strategy.error} />
      {s ? (
        <Space orientation="vertical" size={16} style={{ width: "100%" }}>
          <Card>
            <Descriptions size="small" column={{ xs: 1, md: 3 }}>
              <Descriptions.Item label="Status">
                <StrategyToggle strategy={s} />
              </Descriptions.Item>
              <Descriptions.Item label="Action">{s.action}</Descriptions.Item>
              <Descriptions.Item label="Description">{s.description ?? "—"}</Descriptions.Item>
              <Descriptions.Item label="Clusters">
                {s.scope.clusterIds.map(clusterName).join(", ") || "all"}
              </Descriptions.Item>
              <Descriptions.Item label="Pools">
                {s.scope.poolIds.map(poolName).join(", ") || "all"}
              </Descriptions.Item>
              <Descriptions.Item label="Max devices">{s.maxDevices}</Descriptions.Item>
            </Descriptions>
          </Card>
          <Card title="Evaluations">
            <ErrorAlert error={history.error} />
            <Table<StrategyEvaluation>
              rowKey="id"
              size="small"
              columns={columns}
              dataSource={history.data?.items ?? []}
              loading={history.isLoading}
              pagination={{ pageSize: 20, hideOnSinglePage: true }}
            />
          </Card>
        </Space>
      ) : null}
    </>
  );
}
