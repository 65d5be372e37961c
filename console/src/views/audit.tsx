/** The audit log (admin): who changed what, filtered server-side, exportable as NDJSON. */
import { Form, Input, Select, Tag, Typography } from "antd";
import { useState } from "react";
import { api, unwrap } from "../api/client.ts";
import type { paths } from "../api/schema.ts";
import type { AuditEntry } from "../api/types.ts";
import { CursorTable } from "../components/cursor-table.tsx";
import { formatTime } from "../components/format.ts";
import { LogFilterForm } from "../components/log-filter-form.tsx";
import { RequireRole } from "../components/role-gate.tsx";
import { useClusterNames } from "../hooks/use-clusters.ts";
import { useCursorList } from "../hooks/use-cursor-list.ts";

type AuditQuery = NonNullable<paths["/v1/audit"]["get"]["parameters"]["query"]>;
type Filters = Omit<AuditQuery, "limit" | "cursor">;

const RESULT_COLOURS = { success: "green", failure: "red", pending: "orange" } as const;

function AuditTable() {
  const [filters, setFilters] = useState<Filters>({});
  const { pages, list } = useCursorList(["audit", filters], (page) =>
    unwrap(api.GET("/v1/audit", { params: { query: { ...filters, ...page } } })),
  );
  const clusterName = useClusterNames();
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
  return (
    <>
      <LogFilterForm
        applied={filters}
        onApply={setFilters}
        exportPath="/v1/audit/export"
        exportFileName="audit.ndjson"
      >
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
      </LogFilterForm>
      <CursorTable list={list} pages={pages} columns={columns} />
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
