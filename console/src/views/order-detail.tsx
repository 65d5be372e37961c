/** One order: what it asks, who decided, and each machine's progress. */
import { useQuery } from "@tanstack/react-query";
import { Breadcrumb, Card, Descriptions, Space, Table, Tag, Typography } from "antd";
import { Link, useParams } from "react-router-dom";
import { api, unwrap } from "../api/client.ts";
import { ErrorAlert } from "../components/error-alert.tsx";
import { formatTime } from "../components/format.ts";
import { StatusTag } from "../components/status-tag.tsx";
import { useClusterNames } from "../hooks/use-clusters.ts";
import { usePoolNames } from "../hooks/use-pool-names.ts";
import { OrderActions } from "./order-actions.tsx";

const DEVICE_COLOURS: Record<string, string> = {
  pending: "default",
  in_progress: "blue",
  done: "green",
  failed: "red",
};

export function OrderDetail() {
  const { orderId = "" } = useParams();
  const clusterName = useClusterNames();
  const poolName = usePoolNames();
  const order = useQuery({
    queryKey: ["order", orderId],
    queryFn: () => unwrap(api.GET("/v1/orders/{orderId}", { params: { path: { orderId } } })),
  });
  const o = order.data;
  return (
    <>
      <Breadcrumb items={[{ title: <Link to="/orders">Orders</Link> }, { title: o?.number ?? orderId }]} />
      <Typography.Title level={3}>Order {o?.number ?? ""}</Typography.Title>
      <ErrorAlert error={order.error} />
      {o ? (
        <Space orientation="vertical" size={16} style={{ width: "100%" }}>
          <Card extra={<OrderActions order={o} />}>
            <Descriptions size="small" column={{ xs: 1, md: 3 }}>
              <Descriptions.Item label="Status">
                <StatusTag status={o.status} />
              </Descriptions.Item>
              <Descriptions.Item label="Action">{o.action}</Descriptions.Item>
              <Descriptions.Item label="Cluster / pool">{`${clusterName(o.clusterId)} / ${poolName(o.poolId)}`}</Descriptions.Item>
              <Descriptions.Item label="Reason">{o.reason ?? "—"}</Descriptions.Item>
              <Descriptions.Item label="Strategy">
                {o.strategyId ? (
                  <Link to={`/strategies/${o.strategyId}`}>{o.strategyId.slice(0, 8)}</Link>
                ) : (
                  "manual"
                )}
              </Descriptions.Item>
              <Descriptions.Item label="Created">{`${formatTime(o.createdAt)} by ${o.createdBy}`}</Descriptions.Item>
              <Descriptions.Item label="Decided">
                {o.executedBy ? `${formatTime(o.executedAt)} by ${o.executedBy}` : "—"}
              </Descriptions.Item>
              <Descriptions.Item label="Completed">{formatTime(o.completedAt)}</Descriptions.Item>
              <Descriptions.Item label="Failure">{o.failureReason ?? "—"}</Descriptions.Item>
            </Descriptions>
          </Card>
          <Card title="Machines">
            <Table
              rowKey="machineId"
              size="small"
              dataSource={o.devices}
              pagination={false}
              columns={[
                {
                  title: "Machine",
                  dataIndex: "hostname",
                  render: (h: string, d) => <Link to={`/machines/${d.machineId}`}>{h}</Link>,
                },
                {
                  title: "Progress",
                  dataIndex: "status",
                  render: (s: string) => <Tag color={DEVICE_COLOURS[s]}>{s}</Tag>,
                },
                { title: "Error", dataIndex: "error", render: (e: string | null) => e ?? "—" },
              ]}
            />
          </Card>
        </Space>
      ) : null}
    </>
  );
}
