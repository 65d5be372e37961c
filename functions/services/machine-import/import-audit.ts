/**
 * The audit entry of an import: what was asked (format, mode, dry run,
 * overwrite, target pool) and what came of it (applied, the operation row,
 * the counts). Never the rows themselves: they hold addresses and SSH settings.
 */
import type { AuditEntry } from "../audit/audit-entry.ts";
import type { ImportMachinesInput } from "./import-input.ts";
import type { ImportSummary } from "./report.ts";

export const MACHINE_IMPORT_ACTION = "machine.import";

export interface ImportOutcome {
  applied: boolean;
  operationId: string | null;
  summary: ImportSummary;
}

export function importAudit(input: ImportMachinesInput, outcome: ImportOutcome): AuditEntry {
  return {
    action: MACHINE_IMPORT_ACTION,
    resourceType: "machine",
    resourceId: null,
    clusterId: input.target?.clusterId ?? null,
    changes: {
      format: input.document.format,
      dryRun: input.dryRun,
      mode: input.mode,
      overwrite: input.overwrite,
      poolId: input.target?.poolId ?? null,
      ...outcome,
    },
  };
}
