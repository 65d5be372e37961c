/**
 * What a machine keeps when it leaves its cluster's capacity for `available`
 * (reservation expired, join rolled back, node removed). One rule for every
 * caller: a machine its latest reservation took from the free inventory goes
 * back to it (cluster and pool cleared); one an operator had put in the pool
 * beforehand stays the pool's own. Without the reservation's
 * `fromFreeInventory` flag the assignment is kept, the cautious choice: an
 * operator can undo a kept assignment, a lost one is gone.
 */
import { and, desc, eq, inArray, sql } from "drizzle-orm";
import type { Db } from "../../../drizzle/client.ts";
import { operations } from "../../../drizzle/schema/index.ts";
import { MACHINE_TRANSITION_EVENT } from "./transition-statement.ts";
import type { MachinePatch } from "./transition-types.ts";

const KEEP_ASSIGNMENT: MachinePatch = { providerId: null, nodeName: null };
const BACK_TO_FREE_INVENTORY: MachinePatch = {
  clusterId: null,
  poolId: null,
  providerId: null,
  nodeName: null,
};

/** The patch each machine gets on release, keyed by machine id; one query for the whole batch. */
export async function releasePatches(
  tx: Db,
  machineIds: readonly string[],
): Promise<Map<string, MachinePatch>> {
  const patches = new Map<string, MachinePatch>(machineIds.map((id) => [id, KEEP_ASSIGNMENT]));
  if (machineIds.length === 0) return patches;
  const latestReservations = await tx
    .selectDistinctOn([operations.machineId], {
      machineId: operations.machineId,
      metadata: operations.metadata,
    })
    .from(operations)
    .where(
      and(
        inArray(operations.machineId, [...machineIds]),
        eq(operations.kind, MACHINE_TRANSITION_EVENT),
        sql`${operations.metadata}->>'to' = 'reserved'`,
      ),
    )
    .orderBy(operations.machineId, desc(operations.createdAt));
  for (const row of latestReservations) {
    if (row.machineId && row.metadata.fromFreeInventory === true)
      patches.set(row.machineId, BACK_TO_FREE_INVENTORY);
  }
  return patches;
}

/** Whether the patch returns the machine to the free inventory. */
export const releasesAssignment = (patch: MachinePatch): boolean => patch === BACK_TO_FREE_INVENTORY;
