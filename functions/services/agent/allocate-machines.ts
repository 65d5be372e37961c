/**
 * Agent scale-up, idempotent by (cluster, requestId). In ONE transaction:
 *   1. plan the reservation (planReservation: lock the pool, check disabled
 *      and max, lock the candidates with SKIP LOCKED in the pool's scale-up
 *      order); the typed refusals come from here, with their counts;
 *   2. record the allocation with the chosen machine ids:
 *      INSERT … ON CONFLICT (cluster_id, request_id) DO NOTHING. A concurrent
 *      request with the same id blocks here until the first one commits,
 *      then inserts nothing and replays the first one's answer;
 *   3. apply the reservation (applyReservation: available → reserved through
 *      the state machine, the cluster's state version bumped last).
 * A failure rolls everything back, so failed attempts are not remembered and
 * a later retry may succeed. The pool is locked before the insert because the
 * insert's foreign key takes a KEY SHARE lock on the pool row, which would
 * deadlock against another request's FOR UPDATE the other way round.
 */
import { and, eq, inArray } from "drizzle-orm";
import type { Db } from "../../../drizzle/client.ts";
import { type Allocation, allocations, type Machine, machines } from "../../../drizzle/schema/index.ts";
import type { AllocationRequest, AllocationResponse } from "../../../proto/agent-api.ts";
import { AppError, isAppError } from "../../lib/errors.ts";
import { publishStateVersions } from "../clusters/state-version.ts";
import type { ServiceCall } from "../context.ts";
import { withDbErrors } from "../db-errors.ts";
import { applyReservation, planReservation } from "../machines/reserve-machines.ts";
import { allocatedMachineView } from "./agent-views.ts";

export interface AllocateInput extends AllocationRequest {
  clusterId: string;
}

export async function allocateMachines({
  ctx,
  input,
}: ServiceCall<AllocateInput>): Promise<AllocationResponse> {
  const earlier = await findAllocation(ctx.db, input);
  if (earlier) return replay(ctx.db, earlier, input);

  const reservation = {
    clusterId: input.clusterId,
    poolId: input.poolId,
    count: input.delta,
    requestId: input.requestId,
  };
  const stateVersions = new Map<string, number>();
  let outcome: { allocation: Allocation; machines: Machine[] } | null;
  try {
    outcome = await withDbErrors(() =>
      ctx.db.transaction(async (tx) => {
        const plan = await planReservation(tx, reservation);
        const [allocation] = await tx
          .insert(allocations)
          .values({
            clusterId: input.clusterId,
            poolId: input.poolId,
            requestId: input.requestId,
            delta: input.delta,
            status: "succeeded",
            machineIds: plan.candidates.map((m) => m.id),
            createdAt: ctx.clock.now(),
          })
          .onConflictDoNothing({ target: [allocations.clusterId, allocations.requestId] })
          .returning();
        if (!allocation) return null; // a concurrent request with this id committed first
        const reserved = await applyReservation(tx, ctx, plan, reservation, stateVersions);
        return { allocation, machines: reserved };
      }),
    );
  } catch (err) {
    // a concurrent twin may have filled the pool with this very request: its answer is ours
    const twin =
      isAppError(err) && err.code !== "not_found" ? await findAllocation(ctx.db, input) : undefined;
    if (twin) return replay(ctx.db, twin, input);
    throw err;
  }
  await publishStateVersions(ctx, stateVersions);
  if (outcome) return responseOf(outcome.allocation, outcome.machines, true);

  const winner = await findAllocation(ctx.db, input);
  if (!winner) throw new AppError("conflict", "a concurrent allocation with this request id failed; retry");
  return replay(ctx.db, winner, input);
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
