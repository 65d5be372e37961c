/**
 * Writes a planned import inside the caller's cluster write: inserts, guarded
 * updates, one `machine.import` operation row with the counts, and every
 * cluster whose machines changed touched (its state version is bumped last).
 * A row that lost a race (address taken, machine changed since planning)
 * fails the whole import in all-or-nothing mode and becomes that row's error
 * in best-effort mode.
 */
import type { Db } from "../../../drizzle/client.ts";
import { operations } from "../../../drizzle/schema/index.ts";
import { AppError } from "../../lib/errors.ts";
import type { ServiceContext } from "../context.ts";
import type { ClusterWrite } from "../unit-of-work.ts";
import type { ImportMachinesInput, ImportMode } from "./import-input.ts";
import type { RowPlan } from "./plan.ts";
import { type RowResult, resultOf, summarize } from "./report.ts";
import { insertMachines, updateMachines } from "./write.ts";

export const MACHINE_IMPORT_OPERATION = "machine.import";

export interface AppliedImport {
  results: RowResult[];
  operationId: string;
}

export async function applyImport(
  tx: Db,
  ctx: ServiceContext,
  write: ClusterWrite,
  input: ImportMachinesInput,
  plans: readonly RowPlan[],
  started: Date,
): Promise<AppliedImport> {
  const now = ctx.clock.now();
  const created = plans.filter((p) => p.status === "created");
  const updated = plans.filter((p) => p.status === "updated");
  const writer = { actor: ctx.actor, scopeClusterId: input.scopeClusterId };
  const createdIds = await insertMachines(tx, created, input.target, now, writer);
  const updatedIds = await updateMachines(tx, updated, now, writer);

  const results = plans.map((plan): RowResult => {
    const result = resultOf(plan, false);
    if (plan.status === "created") {
      const id = createdIds.get(plan.key);
      return id === undefined ? lostRace(plan, input.mode, result) : { ...result, machineId: id };
    }
    if (plan.status === "updated" && !updatedIds.has(plan.existing.id)) {
      return lostRace(plan, input.mode, result);
    }
    return result;
  });

  const summary = summarize(results);
  const [operation] = await tx
    .insert(operations)
    .values({
      kind: MACHINE_IMPORT_OPERATION,
      status: "succeeded",
      requestId: ctx.requestId,
      clusterId: input.target?.clusterId ?? null,
      poolId: input.target?.poolId ?? null,
      metadata: {
        ...summary,
        format: input.document.format,
        mode: input.mode,
        overwrite: input.overwrite,
        actor: ctx.actor,
      },
      startedAt: started,
      endedAt: ctx.clock.now(),
    })
    .returning({ id: operations.id });

  // agents see their cluster's machines: new pool members and updated members change that view
  if (summary.created > 0) write.touch(input.target?.clusterId);
  for (const plan of updated) if (updatedIds.has(plan.existing.id)) write.touch(plan.existing.clusterId);
  return { results, operationId: operation!.id };
}

/** Someone else took the address or changed the machine between our read and our write. */
function lostRace(plan: RowPlan, mode: ImportMode, result: RowResult): RowResult {
  const message =
    plan.status === "created"
      ? `the address ${plan.ip} was taken by a concurrent change`
      : `machine ${result.machineId} changed concurrently`;
  if (mode === "all-or-nothing") {
    throw new AppError("conflict", `row ${plan.row}: ${message}; nothing was written, retry the import`, {
      row: plan.row,
      ip: plan.ip,
      retry: true,
    });
  }
  return { ...result, status: "error", machineId: null, errors: [{ field: "ip", message }] };
}
