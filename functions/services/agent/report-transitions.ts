/**
 * The agent reports machine transitions in batches (it writes ahead: a
 * transition is reported before the agent acts on it). Each item is its own
 * guarded transition in its own transaction, so one conflict does not block
 * the others. An item may only touch a machine of the caller's cluster:
 * anything else is not_found, as if it did not exist.
 *
 * Agents never reserve through this route (only allocations do, which check
 * the pool's limits). A machine that leaves the cluster for `available` loses
 * its provider id and node name, and returns to the free inventory when that
 * is where its reservation took it from (release-patch.ts).
 *
 * A machine drains into `maintenance` only when that is why it drains
 * (drain_intent, set by an approved maintenance order): it keeps its node
 * name and provider id there, its Node stays cordoned. Any other drain ends
 * in a reset, so `draining → maintenance` for it is refused (409); and a
 * maintenance drain never ends in one: `draining → leaving` for it is
 * refused too (an agent too old to know drain intents would reset the host).
 *
 * The batch is one audit row, `machine.transitions` (batch-audit.ts): each
 * applied item's transaction writes it with the summary so far, and the
 * final summary is written once every item has had its turn.
 */
import { and, eq } from "drizzle-orm";
import type { Db } from "../../../drizzle/client.ts";
import { type Machine, machines } from "../../../drizzle/schema/index.ts";
import type { TransitionItem, TransitionResult, TransitionsResponse } from "../../../proto/agent-api.ts";
import { IN_USE_STATES } from "../../../proto/machine-states.ts";
import { AppError } from "../../lib/errors.ts";
import { BatchAudit } from "../audit/batch-audit.ts";
import type { ServiceCall, ServiceContext } from "../context.ts";
import { releasePatches } from "../machines/release-patch.ts";
import { applyTransitions, type MachinePatch, type TransitionInput } from "../machines/transition-machine.ts";
import { withClusterWrite } from "../unit-of-work.ts";
import { itemFailure } from "./item-failure.ts";

export interface ReportTransitionsInput {
  clusterId: string;
  items: TransitionItem[];
}

export const TRANSITIONS_AUDIT_ACTION = "machine.transitions";

export async function reportTransitions({
  ctx,
  input,
}: ServiceCall<ReportTransitionsInput>): Promise<TransitionsResponse> {
  const audit = new BatchAudit(ctx, {
    action: TRANSITIONS_AUDIT_ACTION,
    resourceType: "machine",
    clusterId: input.clusterId,
  });
  const results: TransitionResult[] = [];
  const summary = (applied: number, failed: number) => ({ items: input.items.length, applied, failed });
  let applied = 0;
  for (const item of input.items) {
    const failed = results.length - applied;
    // what the row says if this item commits: it applied too
    const result = await applyItem(ctx, input.clusterId, item, (tx) =>
      audit.record(tx, summary(applied + 1, failed)),
    );
    results.push(result);
    if (result.ok) applied++;
  }
  await audit.finish(summary(applied, results.length - applied));
  return { results, summary: { applied, failed: results.length - applied } };
}

async function applyItem(
  ctx: ServiceContext,
  clusterId: string,
  item: TransitionItem,
  auditItem: (tx: Db) => Promise<void>,
): Promise<TransitionResult> {
  try {
    if (item.to === "reserved") {
      throw new AppError("illegal_transition", "machines are reserved through /v1/agent/allocations", {
        from: item.from,
        to: item.to,
      });
    }
    const machine = await withClusterWrite(ctx, async (tx, write) => {
      const locked = await lockOwnMachine(tx, clusterId, item.machineId);
      assertDrainIntent(item, locked);
      const release = leavesCluster(item)
        ? // releasePatches answers for every id it is given
          (await releasePatches(tx, [item.machineId])).get(item.machineId)!
        : {};
      const [row] = await applyTransitions(tx, ctx, [transitionOf(item, release)], { write });
      await auditItem(tx);
      return row!;
    });
    return {
      machineId: item.machineId,
      ok: true,
      machine: { status: machine.status, version: machine.version },
    };
  } catch (err) {
    return itemFailure(item.machineId, err);
  }
}

type LockedMachine = Pick<Machine, "status" | "drainIntent">;

/** Holds the row until commit, so it cannot move to another cluster between this check and the update. */
async function lockOwnMachine(tx: Db, clusterId: string, machineId: string): Promise<LockedMachine> {
  const [row] = await tx
    .select({ status: machines.status, drainIntent: machines.drainIntent })
    .from(machines)
    .where(and(eq(machines.id, machineId), eq(machines.clusterId, clusterId)))
    .for("update");
  if (!row) throw new AppError("not_found", `machine ${machineId} not found`, { id: machineId });
  return row;
}

/**
 * A drain ends as its intent says: in maintenance for a maintenance drain, in
 * a reset (leaving) for any other. Checked where the machine really is
 * draining: from anywhere else the guard answers stale_version with the
 * actual status, as for any other item.
 */
function assertDrainIntent(item: TransitionItem, machine: LockedMachine): void {
  if (item.from !== "draining" || machine.status !== "draining") return;
  const details = { from: item.from, to: item.to, drainIntent: machine.drainIntent };
  const forMaintenance = machine.drainIntent === "maintenance";
  if (item.to === "maintenance" && !forMaintenance) {
    throw new AppError(
      "illegal_transition",
      "a machine drains into maintenance only when a maintenance order drains it; this drain is a scale-down",
      details,
    );
  }
  if (item.to === "leaving" && forMaintenance) {
    throw new AppError(
      "illegal_transition",
      "this drain is for maintenance: it ends in maintenance with the Node kept, never in a reset " +
        "(an agent that reports leaving may be too old to know drain intents)",
      details,
    );
  }
}

const leavesCluster = (item: TransitionItem) => item.to === "available" && IN_USE_STATES.includes(item.from);

function transitionOf(item: TransitionItem, release: MachinePatch): TransitionInput {
  const patch: MachinePatch = { ...release };
  if (item.nodeName !== undefined) patch.nodeName = item.nodeName;
  if (item.lastError !== undefined) patch.lastError = item.lastError;
  return {
    machineId: item.machineId,
    from: item.from,
    to: item.to,
    ...(item.expectedVersion !== undefined ? { expectedVersion: item.expectedVersion } : {}),
    ...(item.reason !== undefined ? { reason: item.reason } : {}),
    patch,
    metadata: { source: "agent" },
  };
}
