import { createRoute } from "@hono/zod-openapi";
import type { MiddlewareHandler } from "hono";
import type { App } from "../../../http/hono-env.ts";
import { setAudit } from "../../../http/audit.ts";
import { BEARER_SCHEME, errorResponses } from "../../../http/openapi.ts";
import { assertClusterAccess, requireRole } from "../../../services/auth/principal.ts";
import { AppError } from "../../../lib/errors.ts";
import type { AppEnv } from "../../../http/hono-env.ts";
import { importMachines } from "../../../services/machine-import/import-machines.ts";
import {
  IMPORT_MEDIA_TYPES,
  type ImportDocument,
  importFormatOf,
} from "../../../services/machine-import/rows.ts";
import { MachineInputSchema } from "../machines/schemas.ts";
import { machineRowSchema } from "./row-schema.ts";
import {
  ImportCsvBodySchema,
  ImportJsonBodySchema,
  ImportQuerySchema,
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
  tags: ["machines"],
  summary: "Import machines in bulk from JSON, CSV or YAML (operator)",
  description: [
    "Every row is validated on its own and reported in `results` with status created, updated,",
    "unchanged, error (with field-level messages) or skipped, plus `summary` counts. A processed",
    "file answers 200: read `applied` to know whether anything was written.",
    "",
    "- all-or-nothing (default): if any row is in error nothing is written (`applied: false`) and",
    "  the other rows are `skipped`. The write is one transaction: a database failure half-way",
    "  or an address taken concurrently writes nothing and answers an error envelope (409/400/500).",
    "- best-effort: valid rows are written, invalid rows reported; only a database failure other",
    "  than a concurrent address clash rolls the whole write back (error envelope).",
    "- dryRun=true: the same validation and results (address clashes with the database included),",
    "  nothing written; machines it would create have `machineId: null`. A cluster-scoped token's",
    "  dry run sees only its own cluster's addresses, so it cannot probe what the fleet holds.",
    "- overwrite=true: a row whose IP belongs to a live machine updates only the fields it gives",
    "  among the descriptive ones (hostname, SSH settings and host key, hardware facts, versions,",
    "  location, labels, taints, tags) — never status or assignment; hardware facts may change while",
    "  the machine is in use (they are facts). Without",
    "  it such a row is an error. Duplicate IPs in one file are errors on the later rows.",
    "- clusterId+poolId: created machines join that pool and must meet its hardware",
    "  requirements; overwritten machines keep their assignment. A cluster-scoped token must name",
    "  a pool of its cluster and can only overwrite that cluster's machines.",
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
      description: "The file was processed; `applied` says whether it was written",
      content: { "application/json": { schema: ImportReportSchema } },
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

export function registerImportMachines(app: App): void {
  app.openapi(route, async (c) => {
    const principal = requireRole(c.get("principal"), "operator");
    const query = c.req.valid("query");
    const target =
      query.clusterId && query.poolId ? { clusterId: query.clusterId, poolId: query.poolId } : null;
    const format = importFormatOf(c.req.header("content-type"))!;
    const options = {
      format,
      dryRun: query.dryRun === "true",
      mode: query.mode ?? "all-or-nothing",
      overwrite: query.overwrite === "true",
    };
    const audit = { action: "machine.import", resourceType: "machine", clusterId: target?.clusterId ?? null };
    setAudit(c, { ...audit, changes: { ...options, poolId: target?.poolId ?? null } });
    if (target) assertClusterAccess(principal, target.clusterId);
    else if (principal.clusterId !== null) {
      throw new AppError("forbidden", "a cluster-scoped token imports only into a pool of its cluster", {
        hint: "pass clusterId and poolId",
      });
    }

    const document: ImportDocument =
      format === "json" ? { format, value: c.req.valid("json") } : { format, text: await c.req.text() };
    const ctx = await c.get("scope").serviceContext(principal.actor);
    const report = await importMachines({
      ctx,
      input: { ...options, document, schema: rowSchema, target, scopeClusterId: principal.clusterId },
    });
    setAudit(c, {
      ...audit,
      changes: {
        ...options,
        poolId: target?.poolId ?? null,
        applied: report.applied,
        operationId: report.operationId,
        summary: report.summary,
      },
    });
    return c.json(report, 200);
  });
}
