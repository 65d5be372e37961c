/**
 * What a machine keeps when it leaves a cluster for `available`. The same rule
 * as reservation expiry (jobs/expire-reservations.ts): a machine its latest
 * reservation took from the free inventory goes back to it (cluster and pool
 * cleared); one an operator had put in the pool beforehand stays the pool's
 * own. Without the reservation's `fromFreeInventory` flag the assignment is
 * kept, the cautious choice: an operator can undo it, a lost one is gone.
 */
import { and, desc, eq, sql } from "drizzle-orm";
import type { Db } from "../../../drizzle/client.ts";
import { operations } from "../../../drizzle/schema/index.ts";
import { MACHINE_TRANSITION_EVENT, type MachinePatch } from "../machines/transition-machine.ts";

export async function releasePatch(tx: Db, machineId: string): Promise<MachinePatch> {
  const [latest] = await tx
    .select({ metadata: operations.metadata })
    .from(operations)
    .where(
      and(
        eq(operations.machineId, machineId),
        eq(operations.kind, MACHINE_TRANSITION_EVENT),
        sql`${operations.metadata}->>'to' = 'reserved'`,
      ),
    )
    .orderBy(desc(operations.createdAt))
    .limit(1);
  const fromFreeInventory = latest?.metadata.fromFreeInventory === true;
  return fromFreeInventory
    ? { clusterId: null, poolId: null, providerId: null, nodeName: null }
    : { providerId: null, nodeName: null };
}
