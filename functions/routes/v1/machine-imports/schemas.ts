/** Request and response shapes of POST /v1/machines/import. */
import { z } from "@hono/zod-openapi";
import { ErrorEnvelopeSchema } from "../../../http/openapi.ts";
import { ClusterRefSchema, PoolRefSchema } from "../../../http/params.ts";
import { IMPORT_MODES } from "../../../services/machine-import/import-machines.ts";
import { ROW_STATUSES } from "../../../services/machine-import/report.ts";
import { MAX_IMPORT_ROWS } from "../../../services/machine-import/rows.ts";

const Flag = (description: string) =>
  z
    .enum(["true", "false"])
    .optional()
    .openapi({ description: `${description} (default false)` });

export const ImportQuerySchema = z
  .strictObject({
    dryRun: Flag("validate and report exactly what would happen, writing nothing"),
    mode: z.enum(IMPORT_MODES).optional().openapi({
      description:
        "all-or-nothing (default): any row in error and nothing is written; best-effort: valid rows are written",
    }),
    overwrite: Flag(
      "update the descriptive fields of a live machine holding the same IP (never its status or assignment)",
    ),
    clusterId: ClusterRefSchema.optional().openapi({
      description: "with poolId: assign created machines to this pool",
    }),
    poolId: PoolRefSchema.optional(),
  })
  .refine((q) => (q.clusterId === undefined) === (q.poolId === undefined), {
    message: "clusterId and poolId go together",
    path: ["poolId"],
  });

const RowItem = z.unknown().openapi({
  description:
    "a machine, as in POST /v1/machines; each row is validated on its own and reported in `results`",
});
const Rows = z.array(RowItem).max(MAX_IMPORT_ROWS);

export const ImportJsonBodySchema = z
  .union([Rows, z.strictObject({ machines: Rows })])
  .openapi("MachineImportJson", { description: "a list of machines, bare or under `machines`" });

export const ImportCsvBodySchema = z.string().openapi({
  description:
    "RFC 4180 CSV with a header row naming input fields, e.g. " +
    "`hostname,ip,sshUser,sshPort,cpuCores,memoryBytes,region,zone,labels,tags`; " +
    "labels as `k=v;k2=v2`, tags as `a;b`; empty cells are not given. Fields holding objects (taints) need JSON or YAML.",
});

export const ImportYamlBodySchema = z.string().openapi({
  description: "a YAML list of machines, or `machines:` holding one; at most 50 alias expansions",
});

const FieldErrorSchema = z.object({
  field: z.string().openapi({ description: 'dotted input field; "" for the row as a whole' }),
  message: z.string(),
});

const RowResultSchema = z
  .object({
    row: z.number().int().openapi({
      description:
        "JSON/YAML: position in the list from 1; CSV: the line the row starts on (header = line 1)",
    }),
    status: z.enum(ROW_STATUSES),
    ip: z.string().nullable(),
    hostname: z.string().nullable(),
    machineId: z.string().nullable(),
    errors: z.array(FieldErrorSchema).optional(),
  })
  .openapi("MachineImportRow");

const count = z.number().int();

export const ImportReportSchema = z
  .object({
    dryRun: z.boolean(),
    mode: z.enum(IMPORT_MODES),
    overwrite: z.boolean(),
    applied: z.boolean().openapi({ description: "whether anything was written" }),
    operationId: z.string().nullable(),
    summary: z.object({
      total: count,
      created: count,
      updated: count,
      unchanged: count,
      error: count,
      skipped: count,
    }),
    results: z.array(RowResultSchema),
  })
  .openapi("MachineImportReport");

/** 422: the standard error envelope, and beside it the whole report (never clipped like `details`). */
export const ImportRejectedSchema = z
  .object({ error: ErrorEnvelopeSchema.shape.error, report: ImportReportSchema })
  .openapi("MachineImportRejected", {
    description: "an all-or-nothing import with rows in error: nothing was written; `report` has every row",
  });
