/**
 * The filter bar of a server-filtered log (events, audit): the log's own fields, a
 * time range, "Apply filters", and an NDJSON export of what the applied filters select.
 */
import { Button, Form } from "antd";
import type { ReactNode } from "react";
import { ExportButton } from "./export-button.tsx";
import { withoutEmpty } from "./filter-values.ts";
import { type TimeRange, TimeRangePicker } from "./time-range.tsx";

export function LogFilterForm<F extends Record<string, string | undefined>>({
  applied,
  onApply,
  exportPath,
  exportFileName,
  children,
}: {
  /** the filters in force, which the export uses */
  applied: F;
  onApply(filters: F): void;
  exportPath: string;
  exportFileName: string;
  /** the log's own Form.Items */
  children: ReactNode;
}) {
  const onFinish = ({ range, ...fields }: F & { range?: TimeRange }) =>
    onApply(withoutEmpty({ ...fields, ...range }) as F);
  return (
    <Form layout="inline" onFinish={onFinish} style={{ rowGap: 8, marginBottom: 16 }}>
      {children}
      <Form.Item name="range">
        <TimeRangePicker />
      </Form.Item>
      <Button type="primary" htmlType="submit">
        Apply filters
      </Button>
      <span style={{ marginLeft: 8 }}>
        <ExportButton path={exportPath} query={applied} fileName={exportFileName} />
      </span>
    </Form>
  );
}
