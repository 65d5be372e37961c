/** The audit log (admin): who changed what, filtered server-side, exportable as NDJSON. */

import { keepPreviousData, useQuery } from "@tanstack/react-query";
import { Button, Form, Input, Select, Table, Tag, Typography } from "antd";
import { useState } from "react";
import { api, unwrap } from "../api/client.ts";
import type { paths } from "../api/schema.ts";
import type { AuditEntry } from "../api/types.ts";
import { CursorPager } from "../components/cursor-pager.tsx";
import { ErrorAlert } from "../components/error-alert.tsx";
import { ExportButton } from "../components/export-button.tsx";
import { formatTime } from "../components/format.ts";
import { RequireRole } from "../components/role-gate.tsx";
import { type TimeRange, TimeRangePicker } from "../components/time-range.tsx";
import { useClusterNames } from "../hooks/use-clusters.ts";
import { useCursorPages } from "../hooks/use-cursor-pages.ts";

type AuditQuery = NonNullable<paths["/v1/audit"]["get"]["parameters"]["query"]>;
type Filters = Omit<AuditQuery, "limit" | "cursor">;

const RESULT_COLOURS = { success: "green", failure: "red", pending: "orange" } as const;

function AuditTable() {
  const [filters, setFilters] = useState<Filters>({});
  const pages = useCursorPages(JSON.stringify(filters));
  const clusterName = useClusterNames();
  const audit = useQuery({
    queryKey: ["audit", filters, pages.pageSize, pages.cursor],
    placeholderData: keepPreviousData,
    queryFn: () =>
      unwrap(
        api.GET("/v1/audit", {
          params: { query: { ...filters, limit: pages.pageSize, cursor: pages.cursor } },
        }),
      ),
  });
  const columns = [
    { title: "When", dataIndex: "at", width: 180, render: formatTime },
    { title: "Actor", dataIndex: "actor" },
    { title: "Action", dataIndex: "action" },
    {
      title: "Resource",
      render: (_: unknown, a: AuditEntry) => `${a.resourceType} ${a.resourceId?.slice(0, 8) ?? ""}`,
    },
    { title: "Cluster", dataIndex: "clusterId", render: clusterName },
    {
      title: "Result",
      render: (_: unknown, a: AuditEntry) => (
        <Tag color={RESULT_COLOURS[a.result]}>
          {a.result}
          {a.statusCode ? ` ${a.statusCode}` : ""}
        </Tag>
      ),
    },
    { title: "Request id", dataIndex: "requestId", render: (r: string | null) => r ?? "—" },
  ];
  const onFinish = (v: Filters & { range?: TimeRange }) => {
    const { range, ...rest } = v;
    setFilters(Object.fromEntries(Object.entries({ ...rest, ...range }).filter(([, x]) => x)) as Filters);
  };
  return (
    <>
      <Form layout="inline" onFinish={onFinish} style={{ rowGap: 8, marginBottom: 16 }}>
        <Form.Item name="action">
          <Input aria-label="Action" placeholder='action, e.g. "machine."' style={{ width: 200 }} />
        </Form.Item>
        <Form.Item name="actor">
          <Input aria-label="Actor" placeholder="actor, e.g. token:<id>" style={{ width: 220 }} />
        </Form.Item>
        <Form.Item name="result">
          <Select
            aria-label="Result"
            allowClear
            placeholder="result"
            style={{ width: 130 }}
            options={["success", "failure", "pending"].map((r) => ({ value: r, label: r }))}
          />
        </Form.Item>
        <Form.Item name="requestId">
          <Input aria-label="Request id" placeholder="request id" style={{ width: 200 }} />
        </Form.Item>
        <Form.Item name="range">
          <TimeRangePicker />
        </Form.Item>
        <Button type="primary" htmlType="submit">
          Apply filters
        </Button>
        <span style={{ marginLeft: 8 }}>
          <ExportButton path="/v1/audit/export" query={filters} fileName="audit.ndjson" />
        </span>
      </Form>
      <ErrorAlert error={audit.error} />
      <Table
        rowKey="id"
        size="small"
        columns={columns}
        dataSource={audit.data?.items ?? []}
        loading={audit.isFetching}
        pagination={false}
        scroll={{ x: true }}
      />
      <div style={{ marginTop: 16 }}>
        <CursorPager
          pages={pages}
          nextCursor={audit.data?.nextCursor}
          shown={audit.data?.items.length ?? 0}
        />
      </div>
    </>
  );
}

export function AuditView() {
  return (
    <>
      <Typography.Title level={3}>Audit log</Typography.Title>
      <RequireRole minimum="admin" what="Reading the audit log">
        <AuditTable />
      </RequireRole>
    </>
  );
}
