import { createRoute } from "@hono/zod-openapi";
import type { MiddlewareHandler } from "hono";
import { defineRoute } from "../../../http/define-route.ts";
import type { AppEnv } from "../../../http/hono-env.ts";
import { BEARER_SCHEME, errorResponses } from "../../../http/openapi.ts";
import { AppError } from "../../../lib/errors.ts";
import { importMachines } from "../../../services/machine-import/import-machines.ts";
import {
  IMPORT_MEDIA_TYPES,
  type ImportDocument,
  importFormatOf,
} from "../../../services/machine-import/rows.ts";
import { MachineInputSchema } from "../machines/schemas.ts";
import { IMPORT_REJECTED_STATUS, isRejected, rejectionOf } from "./rejection.ts";
import { machineRowSchema } from "./row-schema.ts";
import {
  ImportCsvBodySchema,
  ImportJsonBodySchema,
  ImportQuerySchema,
  ImportRejectedSchema,
  ImportReportSchema,
  ImportYamlBodySchema,
} from "./schemas.ts";

const rowSchema = machineRowSchema(MachineInputSchema);

/** Before body validation, so an unknown Content-Type gets our message, not a generic one. */
const knownMediaType: MiddlewareHandler<AppEnv> = async (c, next) => {
  if (importFormatOf(c.req.header("content-type")) === null) {
    throw new AppError(
      "unsupported_media_type",
      `send the machines as one of: ${IMPORT_MEDIA_TYPES.join(", ")}`,
      { accepted: IMPORT_MEDIA_TYPES },
    );
  }
  await next();
};

const route = createRoute({
  method: "post",
  path: "/v1/machines/import",
  operationId: "importMachines",
  tags: ["machines"],
  summary: "Import machines in bulk from JSON, CSV or YAML (operator)",
  description: [
    "Every row is validated on its own and reported in `results` with status created, updated,",
    "unchanged, error (with field-level messages) or skipped, plus `summary` counts.",
    "",
    "- all-or-nothing (default): if any row is in error nothing is written and the answer is",
    "  422 import_rejected: the error envelope with the whole report beside it in `report`",
    "  (every row's errors; the other rows `skipped`). The write is one transaction: a database",
    "  failure half-way or an address taken concurrently writes nothing and answers an error",
    "  envelope (409/400/500).",
    "- best-effort: valid rows are written, invalid rows reported (200; read `applied`); only a",
    "  database failure other than a concurrent address clash rolls the whole write back (error",
    "  envelope).",
    "- dryRun=true: the same validation and results (address clashes with the database included),",
    "  nothing written, always 200 with `applied: false`; machines it would create have",
    "  `machineId: null`. A cluster-scoped token's dry run sees only its own cluster's addresses,",
    "  so it cannot probe what the fleet holds.",
    "- overwrite=true: a row whose IP belongs to a live machine updates only the fields it gives",
    "  among the descriptive ones (hostname, SSH settings and host key, hardware facts, versions,",
    "  location, labels, taints, tags) — never status or assignment; hardware facts may change while",
    "  the machine is in use (they are facts). Without",
    "  it such a row is an error. Duplicate IPs in one file are errors on the later rows.",
    '- clusterId+poolId (ids or names; poolId may be "cluster/pool"): created machines join that',
    "  pool and must meet its hardware requirements; overwritten machines keep their assignment.",
    "  A cluster-scoped token must name a pool of its cluster and can only overwrite that cluster's",
    "  machines.",
    "",
    "Rows are numbered as the user sees them: JSON/YAML by position from 1, CSV by the line the",
    "row starts on (the header being line 1). Bodies up to KSP_MAX_IMPORT_BYTES (16 MiB).",
  ].join("\n"),
  security: [{ [BEARER_SCHEME]: [] }],
  middleware: [knownMediaType] as const,
  request: {
    query: ImportQuerySchema,
    body: {
      required: false,
      description: "the machines; the Content-Type selects the format",
      content: {
        "application/json": { schema: ImportJsonBodySchema },
        "text/csv": { schema: ImportCsvBodySchema },
        "application/yaml": { schema: ImportYamlBodySchema },
        "text/yaml": { schema: ImportYamlBodySchema },
      },
    },
  },
  responses: {
    200: {
      description:
        "The file was processed (a dry run, or best-effort); `applied` says whether it was written",
      content: { "application/json": { schema: ImportReportSchema } },
    },
    [IMPORT_REJECTED_STATUS]: {
      description: "import_rejected: an all-or-nothing import with rows in error; nothing was written",
      content: { "application/json": { schema: ImportRejectedSchema } },
    },
    ...errorResponses(
      "validation_failed",
      "bad_request",
      "unauthorized",
      "forbidden",
      "not_found",
      "conflict",
      "payload_too_large",
      "unsupported_media_type",
    ),
  },
});

export const registerImportMachines = defineRoute({
  route,
  access: "operator",
  audit: { action: "machine.import", resourceType: "machine" },
  run: async (c, { ctx, principal }) => {
    const query = c.req.valid("query");
    const target =
      query.clusterId && query.poolId ? { clusterId: query.clusterId, poolId: query.poolId } : null;
    const format = importFormatOf(c.req.header("content-type"))!;
    const document: ImportDocument =
      format === "json" ? { format, value: c.req.valid("json") } : { format, text: await c.req.text() };
    // the service refuses a scoped token's import without a target, or into another cluster's pool
    const report = await importMachines({
      ctx,
      input: {
        dryRun: query.dryRun === "true",
        mode: query.mode ?? "all-or-nothing",
        overwrite: query.overwrite === "true",
        document,
        schema: rowSchema,
        target,
        scopeClusterId: principal.clusterId,
      },
    });
    if (isRejected(report)) return c.json(rejectionOf(report, c.get("requestId")), IMPORT_REJECTED_STATUS);
    return c.json(report, 200);
  },
});
