/**
 * Bulk machine import. Every row gets a result; what is written depends on
 * the mode:
 *  - all-or-nothing (default): one row in error and nothing is written; the
 *    other rows report `skipped`. The write itself is one transaction, so a
 *    database failure half-way (or an address taken concurrently) rolls back
 *    every row and the request fails with an error envelope.
 *  - best-effort: valid rows are written, invalid rows reported. An address
 *    taken concurrently turns its row into an error; any other database
 *    failure still rolls back the whole write, so an import never half-applies.
 * A dry run plans exactly as a real run does (including address clashes with
 * the database) and writes nothing; created rows then have no machine id yet.
 * Every import that is planned is audited (`machine.import`, import-audit.ts):
 * a written one in its own transaction, so the row commits with the machines.
 */
import { and, eq, isNull } from "drizzle-orm";
import type { Db } from "../../../drizzle/client.ts";
import { clusters, type NodePool, nodePools } from "../../../drizzle/schema/index.ts";
import { AppError } from "../../lib/errors.ts";
import { recordAudit } from "../audit/record-audit.ts";
import type { ServiceCall } from "../context.ts";
import { withDbErrors } from "../db-errors.ts";
import { assertClusterInScope } from "../machines/machine-lookup.ts";
import { withClusterWrite } from "../unit-of-work.ts";
import { applyImport } from "./apply.ts";
import { importAudit } from "./import-audit.ts";
import type { ImportMachinesInput, ImportMode } from "./import-input.ts";
import { addressesOf, type ExistingMachine, planImport } from "./plan.ts";
import { type ImportSummary, type RowResult, resultOf, summarize } from "./report.ts";
import { readRows } from "./rows.ts";
import { findLiveByAddress } from "./write.ts";

export { IMPORT_MODES, type ImportMachinesInput, type ImportMode } from "./import-input.ts";

export interface ImportReport {
  dryRun: boolean;
  mode: ImportMode;
  overwrite: boolean;
  /** whether the import was written (false for dry runs and refused all-or-nothing imports) */
  applied: boolean;
  operationId: string | null;
  summary: ImportSummary;
  results: RowResult[];
}

export async function importMachines({
  ctx,
  input,
}: ServiceCall<ImportMachinesInput>): Promise<ImportReport> {
  assertTargetInScope(input);
  const started = ctx.clock.now();
  const rows = readRows(input.document, input.schema.fieldKinds);
  if (rows.length === 0) throw new AppError("validation_failed", "the file has no machines");
  const pool = input.target ? await targetPool(ctx.db, input.target) : null;
  const existing = visibleAddresses(
    await findLiveByAddress(ctx.db, addressesOf(rows)),
    input.dryRun ? input.scopeClusterId : null,
  );
  const plans = planImport({
    rows,
    schema: input.schema,
    existing,
    overwrite: input.overwrite,
    pool,
    scopeClusterId: input.scopeClusterId,
  });

  const refused = input.mode === "all-or-nothing" && plans.some((p) => p.status === "error");
  let results = plans.map((plan) => resultOf(plan, refused));
  let operationId: string | null = null;
  const applied = !input.dryRun && !refused;
  if (applied) {
    ({ results, operationId } = await withDbErrors(() =>
      withClusterWrite(ctx, async (tx, write) => {
        const written = await applyImport(tx, ctx, write, input, plans, started);
        const outcome = { applied, operationId: written.operationId, summary: summarize(written.results) };
        write.audit(importAudit(input, outcome));
        return written;
      }),
    ));
  } else {
    // nothing written: a dry run is on record as done, a refused import as failed
    const outcome = { applied, operationId, summary: summarize(results) };
    await recordAudit(ctx.db, ctx, importAudit(input, outcome), refused ? "failure" : "success");
  }
  const summary = summarize(results);
  ctx.logger.info("machine import", { ...summary, dryRun: input.dryRun, mode: input.mode, applied });
  return {
    dryRun: input.dryRun,
    mode: input.mode,
    overwrite: input.overwrite,
    applied,
    operationId,
    summary,
    results,
  };
}

/**
 * A cluster-scoped caller imports only into a pool of its own cluster: the
 * free inventory and other clusters are not its to fill.
 */
function assertTargetInScope(input: ImportMachinesInput): void {
  if (input.target) assertClusterInScope(input.scopeClusterId, input.target.clusterId);
  else if (input.scopeClusterId !== null) {
    throw new AppError("forbidden", "a cluster-scoped token imports only into a pool of its cluster", {
      hint: "pass clusterId and poolId",
    });
  }
}

/**
 * A cluster-scoped caller's dry run must not be an oracle for which addresses
 * the fleet holds: machines of other clusters (and free ones) are left out
 * of it, so such an address plans like a new one. Only a real import, which
 * is audited and rate limited, finds it cannot take that address (and is
 * told so without the machine's id, see plan.ts).
 */
function visibleAddresses(
  existing: ReadonlyMap<string, ExistingMachine>,
  dryRunScope: string | null,
): ReadonlyMap<string, ExistingMachine> {
  if (dryRunScope === null) return existing;
  return new Map([...existing].filter(([, machine]) => machine.clusterId === dryRunScope));
}

async function targetPool(db: Db, target: { clusterId: string; poolId: string }): Promise<NodePool> {
  const [row] = await db
    .select({ pool: nodePools })
    .from(nodePools)
    .innerJoin(clusters, eq(clusters.id, nodePools.clusterId))
    .where(
      and(
        eq(nodePools.id, target.poolId),
        eq(nodePools.clusterId, target.clusterId),
        isNull(clusters.deletedAt),
      ),
    );
  if (!row)
    throw new AppError("not_found", `pool ${target.poolId} not found in cluster ${target.clusterId}`, target);
  return row.pool;
}
