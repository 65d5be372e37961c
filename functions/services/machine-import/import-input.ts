/**
 * What an import is asked to do, in a module of its own: the service
 * (import-machines.ts) and the writer (apply.ts) both need it, and neither
 * should import the other for it.
 */
import type { MachineRowSchema } from "./machine-fields.ts";
import type { ImportDocument } from "./rows.ts";

export const IMPORT_MODES = ["all-or-nothing", "best-effort"] as const;
export type ImportMode = (typeof IMPORT_MODES)[number];

export interface ImportMachinesInput {
  document: ImportDocument;
  schema: MachineRowSchema;
  dryRun: boolean;
  mode: ImportMode;
  overwrite: boolean;
  /** assign every created machine to this pool (checked against its requirements) */
  target: { clusterId: string; poolId: string } | null;
  /** the only cluster a scoped caller may touch; null for every cluster */
  scopeClusterId: string | null;
}
