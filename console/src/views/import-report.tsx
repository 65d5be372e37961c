/** An import's report: summary counts and every row, errors first, with their field messages. */
import { Alert, Space, Statistic, Table, Tag, Typography } from "antd";
import type { ImportReport, ImportRow } from "../api/types.ts";

const STATUS_COLOURS: Record<string, string> = {
  created: "green",
  updated: "blue",
  unchanged: "default",
  error: "red",
  skipped: "orange",
};

const columns = [
  { title: "Row", dataIndex: "row", width: 70 },
  {
    title: "Result",
    dataIndex: "status",
    width: 110,
    render: (s: string) => <Tag color={STATUS_COLOURS[s]}>{s}</Tag>,
  },
  { title: "Hostname", dataIndex: "hostname", render: (h: string | null) => h ?? "—" },
  { title: "IP", dataIndex: "ip", render: (ip: string | null) => ip ?? "—" },
  {
    title: "Errors",
    render: (_: unknown, r: ImportRow) =>
      (r.errors ?? []).map((e) => (
        <div key={`${e.field}:${e.message}`}>
          {e.field ? <Typography.Text code>{e.field}</Typography.Text> : null} {e.message}
        </div>
      )),
  },
];

export function ImportReportView({ report }: { report: ImportReport }) {
  const rows = [...report.results].sort(
    (a, b) => Number(b.status === "error") - Number(a.status === "error") || a.row - b.row,
  );
  const s = report.summary;
  const verdict = report.dryRun
    ? "Dry run: nothing was written."
    : report.applied
      ? "Applied: the rows below were written."
      : "Nothing was written.";
  return (
    <>
      <Alert
        type={s.error > 0 ? "warning" : report.applied ? "success" : "info"}
        showIcon
        title={verdict}
        description={s.error > 0 ? `${s.error} row(s) in error.` : undefined}
        style={{ marginBottom: 16 }}
      />
      <Space size="large" wrap style={{ marginBottom: 16 }}>
        {(["total", "created", "updated", "unchanged", "error", "skipped"] as const).map((k) => (
          <Statistic key={k} title={k} value={s[k]} />
        ))}
      </Space>
      <Table
        rowKey="row"
        size="small"
        columns={columns}
        dataSource={rows}
        aria-label="Import report"
        pagination={{ pageSize: 100, hideOnSinglePage: true, showSizeChanger: false }}
        rowClassName={(r) => (r.status === "error" ? "import-row-error" : "")}
      />
    </>
  );
}
