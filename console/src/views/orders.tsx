/** Orders: machines entering or leaving pools, and maintenance; filter by status and action. */
import { keepPreviousData, useQuery } from "@tanstack/react-query";
import { Select, Space, Table, Typography } from "antd";
import { useState } from "react";
import { Link } from "react-router-dom";
import { api, unwrap } from "../api/client.ts";
import type { Order } from "../api/types.ts";
import { CursorPager } from "../components/cursor-pager.tsx";
import { ErrorAlert } from "../components/error-alert.tsx";
import { formatTime } from "../components/format.ts";
import { StatusTag } from "../components/status-tag.tsx";
import { useClusterNames } from "../hooks/use-clusters.ts";
import { useCursorPages } from "../hooks/use-cursor-pages.ts";
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
  const pages = useCursorPages(JSON.stringify([status, action]));
  const clusterName = useClusterNames();
  const poolName = usePoolNames();
  const list = useQuery({
    queryKey: ["orders", status, action, pages.pageSize, pages.cursor],
    placeholderData: keepPreviousData,
    queryFn: () =>
      unwrap(
        api.GET("/v1/orders", {
          params: {
            query: {
              limit: pages.pageSize,
              cursor: pages.cursor,
              ...(status.length ? { status } : {}),
              action,
            },
          },
        }),
      ),
  });
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
      <ErrorAlert error={list.error} />
      <Table
        rowKey="id"
        size="small"
        columns={columns}
        dataSource={list.data?.items ?? []}
        loading={list.isFetching}
        pagination={false}
        scroll={{ x: true }}
      />
      <div style={{ marginTop: 16 }}>
        <CursorPager pages={pages} nextCursor={list.data?.nextCursor} shown={list.data?.items.length ?? 0} />
      </div>
    </>
  );
}
