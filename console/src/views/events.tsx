/** Events: server-side filtered, paginated, exportable as NDJSON. */
import { Button, Form, Input, Select, Table, Typography } from "antd";
import { useState } from "react";
import { Link } from "react-router-dom";
import type { MachineEvent } from "../api/types.ts";
import { CursorPager } from "../components/cursor-pager.tsx";
import { ErrorAlert } from "../components/error-alert.tsx";
import { ExportButton } from "../components/export-button.tsx";
import { formatTime } from "../components/format.ts";
import { StatusTag } from "../components/status-tag.tsx";
import { type TimeRange, TimeRangePicker } from "../components/time-range.tsx";
import { useClusterNames, useClusters } from "../hooks/use-clusters.ts";
import { useCursorPages } from "../hooks/use-cursor-pages.ts";
import { type EventQuery, useEvents } from "../hooks/use-events.ts";

type Filters = Omit<EventQuery, "limit" | "cursor">;
const STATUSES = ["pending", "running", "succeeded", "failed", "cancelled"] as const;

export function EventsView() {
  const [filters, setFilters] = useState<Filters>({});
  const pages = useCursorPages(JSON.stringify(filters));
  const events = useEvents({ ...filters, limit: pages.pageSize, cursor: pages.cursor });
  const clusters = useClusters();
  const clusterName = useClusterNames();
  const columns = [
    { title: "When", dataIndex: "createdAt", width: 180, render: formatTime },
    { title: "Kind", dataIndex: "kind" },
    { title: "Status", dataIndex: "status", render: (s: string) => <StatusTag status={s} /> },
    { title: "Cluster", dataIndex: "clusterId", render: clusterName },
    {
      title: "Machine",
      dataIndex: "machineId",
      render: (id: string | null) => (id ? <Link to={`/machines/${id}`}>{id.slice(0, 8)}</Link> : "—"),
    },
    {
      title: "Details",
      render: (_: unknown, e: MachineEvent) => (
        <Typography.Text type="secondary" ellipsis style={{ maxWidth: 420 }}>
          {e.error ?? JSON.stringify(e.metadata)}
        </Typography.Text>
      ),
    },
    { title: "Request id", dataIndex: "requestId", render: (r: string | null) => r ?? "—" },
  ];
  const onFinish = (v: Filters & { range?: TimeRange }) => {
    const { range, ...rest } = v;
    const next = Object.fromEntries(Object.entries({ ...rest, ...range }).filter(([, x]) => x)) as Filters;
    setFilters(next);
  };
  return (
    <>
      <Typography.Title level={3}>Events</Typography.Title>
      <Form layout="inline" onFinish={onFinish} style={{ rowGap: 8, marginBottom: 16 }}>
        <Form.Item name="kind">
          <Input
            aria-label="Kind"
            placeholder='kind, e.g. "machine." or "pool.scale_up"'
            style={{ width: 240 }}
          />
        </Form.Item>
        <Form.Item name="status">
          <Select
            aria-label="Event status"
            allowClear
            placeholder="status"
            style={{ width: 140 }}
            options={STATUSES.map((s) => ({ value: s, label: s }))}
          />
        </Form.Item>
        <Form.Item name="clusterId">
          <Select
            aria-label="Cluster"
            allowClear
            placeholder="cluster"
            style={{ width: 160 }}
            options={(clusters.data ?? []).map((c) => ({ value: c.id, label: c.name }))}
          />
        </Form.Item>
        <Form.Item name="machineId">
          <Input aria-label="Machine" placeholder="machine id or hostname" style={{ width: 200 }} />
        </Form.Item>
        <Form.Item name="range">
          <TimeRangePicker />
        </Form.Item>
        <Button type="primary" htmlType="submit">
          Apply filters
        </Button>
        <span style={{ marginLeft: 8 }}>
          <ExportButton path="/v1/events/export" query={filters} fileName="events.ndjson" />
        </span>
      </Form>
      <ErrorAlert error={events.error} />
      <Table
        rowKey="id"
        size="small"
        columns={columns}
        dataSource={events.data?.items ?? []}
        loading={events.isFetching}
        pagination={false}
        scroll={{ x: true }}
      />
      <div style={{ marginTop: 16 }}>
        <CursorPager
          pages={pages}
          nextCursor={events.data?.nextCursor}
          shown={events.data?.items.length ?? 0}
        />
      </div>
    </>
  );
}
