/** Events: server-side filtered, paginated, exportable as NDJSON. */
import { Form, Input, Select, Typography } from "antd";
import { useState } from "react";
import { Link } from "react-router-dom";
import type { MachineEvent } from "../api/types.ts";
import { ClusterSelect } from "../components/cluster-select.tsx";
import { CursorTable } from "../components/cursor-table.tsx";
import { formatTime } from "../components/format.ts";
import { LogFilterForm } from "../components/log-filter-form.tsx";
import { StatusTag } from "../components/status-tag.tsx";
import { useClusterNames } from "../hooks/use-clusters.ts";
import { useCursorPages } from "../hooks/use-cursor-pages.ts";
import { type EventQuery, useEvents } from "../hooks/use-events.ts";

type Filters = Omit<EventQuery, "limit" | "cursor">;
const STATUSES = ["pending", "running", "succeeded", "failed", "cancelled"] as const;

export function EventsView() {
  const [filters, setFilters] = useState<Filters>({});
  const pages = useCursorPages(JSON.stringify(filters));
  const events = useEvents({ ...filters, limit: pages.pageSize, cursor: pages.cursor });
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
  return (
    <>
      <Typography.Title level={3}>Events</Typography.Title>
      <LogFilterForm
        applied={filters}
        onApply={setFilters}
        exportPath="/v1/events/export"
        exportFileName="events.ndjson"
      >
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
          <ClusterSelect />
        </Form.Item>
        <Form.Item name="machineId">
          <Input aria-label="Machine" placeholder="machine id or hostname" style={{ width: 200 }} />
        </Form.Item>
      </LogFilterForm>
      <CursorTable list={events} pages={pages} columns={columns} />
    </>
  );
}
