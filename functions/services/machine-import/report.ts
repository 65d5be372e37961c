/** What an import answers: one result per row, and counts by status. */
import type { RowPlan } from "./plan.ts";
import type { FieldError } from "./raw-row.ts";

export const ROW_STATUSES = ["created", "updated", "unchanged", "error", "skipped"] as const;
export type RowStatus = (typeof ROW_STATUSES)[number];

export interface RowResult {
  row: number;
  status: RowStatus;
  ip: string | null;
  hostname: string | null;
  /** null for rows in error, skipped rows and machines a dry run would create */
  machineId: string | null;
  errors?: FieldError[];
}

export type ImportSummary = Record<RowStatus | "total", number>;

/** A row's result as planned; `refused` (all-or-nothing with errors) turns every valid row into `skipped`. */
export function resultOf(plan: RowPlan, refused: boolean): RowResult {
  const base = { row: plan.row, ip: plan.ip, hostname: plan.hostname };
  switch (plan.status) {
    case "error":
      return { ...base, status: "error", machineId: null, errors: plan.errors };
    case "created":
      return { ...base, status: refused ? "skipped" : "created", machineId: null };
    case "updated":
    case "unchanged":
      return { ...base, status: refused ? "skipped" : plan.status, machineId: plan.existing.id };
  }
}

export function summarize(results: readonly RowResult[]): ImportSummary {
  const summary: ImportSummary = {
    total: results.length,
    created: 0,
    updated: 0,
    unchanged: 0,
    error: 0,
    skipped: 0,
  };
  for (const result of results) summary[result.status]++;
  return summary;
}
