/** Orders: machines entering or leaving pools, and maintenance; filter by status and action. */
import { Select, Space, Typography } from "antd";
import { useState } from "react";
import { Link } from "react-router-dom";
import { api, unwrap } from "../api/client.ts";
import type { Order } from "../api/types.ts";
import { CursorTable } from "../components/cursor-table.tsx";
import { formatTime } from "../components/format.ts";
import { StatusTag } from "../components/status-tag.tsx";
import { useClusterNames } from "../hooks/use-clusters.ts";
import { useCursorList } from "../hooks/use-cursor-list.ts";
import { usePoolNames } from "../hooks/use-pool-names.ts";
import { OrderActions } from "./order-actions.tsx";

const STATUSES = [
  "pending",
  "processing",
  "maintenance_in_progress",
  "completed",
  "failed",
  "cancelled",
  "ignored",
];
const ACTIONS = ["pool_entry", "pool_exit", "maintenance", "uncordon"] as const;

export function Orders() {
  const [status, setStatus] = useState<string[]>([]);
  const [action, setAction] = useState<(typeof ACTIONS)[number] | undefined>();
  const { pages, list } = useCursorList(["orders", status, action], (page) =>
    unwrap(
      api.GET("/v1/orders", {
        params: { query: { ...page, ...(status.length ? { status } : {}), action } },
      }),
    ),
  );
  const clusterName = useClusterNames();
  const poolName = usePoolNames();
  const columns = [
    {
      title: "Order",
      dataIndex: "number",
      render: (n: string, o: Order) => <Link to={`/orders/${o.id}`}>{n}</Link>,
    },
    { title: "Action", dataIndex: "action" },
    { title: "Status", dataIndex: "status", render: (s: string) => <StatusTag status={s} /> },
    {
      title: "Cluster / pool",
      render: (_: unknown, o: Order) => `${clusterName(o.clusterId)} / ${poolName(o.poolId)}`,
    },
    { title: "Machines", render: (_: unknown, o: Order) => o.devices.length },
    { title: "Reason", dataIndex: "reason", render: (r: string | null) => r ?? "—" },
    { title: "Created", dataIndex: "createdAt", render: formatTime },
    { title: "", render: (_: unknown, o: Order) => <OrderActions order={o} /> },
  ];
  return (
    <>
      <Typography.Title level={3}>Orders</Typography.Title>
      <Space wrap style={{ marginBottom: 16 }}>
        <Select
          aria-label="Order status"
          mode="multiple"
          allowClear
          placeholder="status"
          style={{ minWidth: 200 }}
          value={status}
          onChange={setStatus}
          options={STATUSES.map((s) => ({ value: s, label: s }))}
        />
        <Select
          aria-label="Order action"
          allowClear
          placeholder="action"
          style={{ width: 160 }}
          value={action}
          onChange={setAction}
          options={ACTIONS.map((a) => ({ value: a, label: a }))}
        />
      </Space>
      <CursorTable list={list} pages={pages} columns={columns} />
    </>
  );
}
