/**
 * Agent scale-up, idempotent by (cluster, requestId), in ONE transaction:
 * reserveMachinesIn locks the pool, then one statement locks the candidates
 * (SKIP LOCKED, the pool's scale-up order), checks room under max, records
 * the allocation with the chosen machine ids (INSERT … ON CONFLICT
 * (cluster_id, request_id) DO NOTHING) and, only when that row was written,
 * moves the machines available → reserved with their events and the state
 * version bump. The typed refusals carry their counts.
 *
 * A concurrent request with the same id blocks on the insert until the first
 * one commits, then writes nothing and replays the first one's answer. A
 * failure rolls everything back, so failed attempts are not remembered and a
 * later retry may succeed. There is no lookup before the transaction: fresh
 * requests are the common case, and a retry finds its earlier row through
 * the insert (or through the refusal, when the pool has filled up since or
 * the retry names another pool).
 * The pool is locked before the insert because the insert's foreign key
 * takes a KEY SHARE lock on the pool row, which would deadlock against
 * another request's FOR UPDATE the other way round.
 *
 * The request is audited as `pool.allocate`: in the reservation's own
 * transaction when it reserves; a replay changed nothing, and is audited on
 * its own once it is known to answer (a replay with another body is a 409).
 *
 * Every decision is also a `pool.scale_up` event (scaling/record-scale-decision.ts),
 * written in the same transaction under the pool lock: a grant with the
 * reservation, a refusal (max size, no fitting machine, autoscaling off) with
 * its ranked reasons, committed before the refusal is answered. That is what
 * the pool status's "why didn't it scale?" reads.
 */
import { and, eq, inArray } from "drizzle-orm";
import type { Db } from "../../../drizzle/client.ts";
import {
  type Allocation,
  allocations,
  type Machine,
  machines,
  nodePools,
} from "../../../drizzle/schema/index.ts";
import type { AllocationRequest, AllocationResponse } from "../../../proto/agent-api.ts";
import { AppError, isAppError } from "../../lib/errors.ts";
import type { AuditEntry } from "../audit/audit-entry.ts";
import { recordAudit } from "../audit/record-audit.ts";
import type { ServiceCall, ServiceContext } from "../context.ts";
import { withDbErrors } from "../db-errors.ts";
import { type ReservationOutcome, reserveMachinesIn } from "../machines/reserve-machines.ts";
import { candidateBreakdown } from "../scaling/candidate-breakdown.ts";
import { recordScaleDecision, type ScaleDecision } from "../scaling/record-scale-decision.ts";
import {
  autoscalingDisabledReason,
  maxSizeReason,
  type ScalingReason,
  shortfallReasons,
} from "../scaling/scale-reasons.ts";
import { withClusterWrite } from "../unit-of-work.ts";
import { allocatedMachineView } from "./agent-views.ts";

export const POOL_ALLOCATE_ACTION = "pool.allocate";

export interface AllocateInput extends AllocationRequest {
  clusterId: string;
}

export async function allocateMachines({
  ctx,
  input,
}: ServiceCall<AllocateInput>): Promise<AllocationResponse> {
  const reservation = {
    clusterId: input.clusterId,
    poolId: input.poolId,
    count: input.delta,
    requestId: input.requestId,
  };
  const audit: AuditEntry = {
    action: POOL_ALLOCATE_ACTION,
    resourceType: "pool",
    resourceId: input.poolId,
    clusterId: input.clusterId,
    changes: { poolId: input.poolId, delta: input.delta, requestId: input.requestId },
  };
  let outcome: ReservationOutcome;
  try {
    const decided = await withDbErrors(() =>
      withClusterWrite(ctx, async (tx, write): Promise<ReservationOutcome | { refused: AppError }> => {
        let reserved: ReservationOutcome;
        try {
          reserved = await reserveMachinesIn(tx, ctx, reservation, { write, recordAllocation: true });
        } catch (err) {
          // a refusal wrote nothing (the statement only writes when it can grant everything), so
          // this transaction may still commit the decision before the refusal is answered
          const reasons = await refusalReasons(tx, err, input);
          if (!reasons) throw err;
          await recordScaleDecision(tx, ctx, decisionOf(input, 0, reasons));
          return { refused: err as AppError };
        }
        // a duplicate changed nothing: it is audited once its replay is known to answer
        if (!reserved.duplicate) {
          const machineIds = reserved.machines.map((m) => m.id);
          write.audit({ ...audit, changes: { ...audit.changes, machineIds } });
          await recordScaleDecision(tx, ctx, decisionOf(input, reserved.machines.length, []));
        }
        return reserved;
      }),
    );
    if ("refused" in decided) throw decided.refused;
    outcome = decided;
  } catch (err) {
    // A refusal may be for a request id that already succeeded: a concurrent twin filled the pool
    // with this very request, or a retry names another pool (replay answers that with a conflict).
    const twin = isAppError(err) ? await findAllocation(ctx.db, input) : undefined;
    if (!twin) throw err;
    return auditedReplay(ctx, twin, input, audit);
  }
  if (!outcome.duplicate && outcome.allocation) return responseOf(outcome.allocation, outcome.machines, true);

  const winner = await findAllocation(ctx.db, input);
  if (!winner) throw new AppError("conflict", "a concurrent allocation with this request id failed; retry");
  return auditedReplay(ctx, winner, input, audit);
}

const decisionOf = (input: AllocateInput, granted: number, reasons: ScalingReason[]): ScaleDecision => ({
  direction: "up",
  clusterId: input.clusterId,
  poolId: input.poolId,
  requested: input.delta,
  granted,
  reasons,
  allocationRequestId: input.requestId,
});

/**
 * Why the pool refused, for the decision event; null for what is no scale
 * decision (an unknown pool, a bad count) and for a refusal of a request id
 * that already succeeded (a concurrent twin filled the pool with this very
 * request: the caller replays its answer, nothing was refused).
 */
async function refusalReasons(tx: Db, err: unknown, input: AllocateInput): Promise<ScalingReason[] | null> {
  if (!isAppError(err) || !SCALE_REFUSALS.has(err.code)) return null;
  if (await findAllocation(tx, input)) return null;
  const details = err.details ?? {};
  const num = (key: string) => Number(details[key] ?? 0);
  // the pool row is ours (locked by the reservation) for the rest of the transaction
  const [pool] = await tx.select().from(nodePools).where(eq(nodePools.id, input.poolId));
  if (!pool) return null;
  switch (err.code) {
    case "pool_disabled":
      return [autoscalingDisabledReason(pool.name)];
    case "pool_at_max":
      return [maxSizeReason(num("current"), num("max"), num("requested"))];
    default:
      return shortfallReasons(await candidateBreakdown(tx, pool), num("requested"), num("available"));
  }
}

const SCALE_REFUSALS: ReadonlySet<string> = new Set(["pool_disabled", "pool_at_max", "not_enough_machines"]);

/** A replay changes nothing, so its audit row is written on its own once the answer is known. */
async function auditedReplay(
  ctx: ServiceContext,
  earlier: Allocation,
  input: AllocateInput,
  audit: AuditEntry,
): Promise<AllocationResponse> {
  const answer = await replay(ctx.db, earlier, input);
  const machineIds = answer.machines.map((m) => m.id);
  await recordAudit(ctx.db, ctx, { ...audit, changes: { ...audit.changes, machineIds } });
  return answer;
}

async function findAllocation(db: Db, input: AllocateInput): Promise<Allocation | undefined> {
  const [row] = await db
    .select()
    .from(allocations)
    .where(
      and(
        eq(allocations.clusterId, input.clusterId),
        eq(allocations.requestId, input.requestId),
        eq(allocations.status, "succeeded"),
      ),
    );
  return row;
}

/** The earlier answer for the same request id; the same id with another body is a client bug. */
async function replay(db: Db, earlier: Allocation, input: AllocateInput): Promise<AllocationResponse> {
  if (earlier.poolId !== input.poolId || earlier.delta !== input.delta) {
    throw new AppError(
      "conflict",
      `request id ${input.requestId} was already used for ${earlier.delta} machine(s) of pool ${earlier.poolId}`,
      {
        requestId: input.requestId,
        allocationId: earlier.id,
        poolId: earlier.poolId,
        delta: earlier.delta,
      },
    );
  }
  const rows = earlier.machineIds.length
    ? await db.select().from(machines).where(inArray(machines.id, earlier.machineIds))
    : [];
  const byId = new Map(rows.map((m) => [m.id, m]));
  const ordered = earlier.machineIds.map((id) => byId.get(id)).filter((m): m is Machine => m !== undefined);
  return responseOf(earlier, ordered, false);
}

function responseOf(allocation: Allocation, reserved: Machine[], created: boolean): AllocationResponse {
  return {
    allocationId: allocation.id,
    requestId: allocation.requestId,
    poolId: allocation.poolId,
    delta: allocation.delta,
    created,
    createdAt: allocation.createdAt.toISOString(),
    machines: reserved.map(allocatedMachineView),
  };
}
