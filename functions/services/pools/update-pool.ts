/**
 * Changes any settings of a pool. The pool row is locked, the change merged
 * into it and the merged pool validated as a whole (min ≤ max, allocatable ≤
 * capacity) before anything is written. A change that changes nothing writes
 * nothing but its audit row: no event, no state version bump.
 */
import { eq } from "drizzle-orm";
import { nodePools } from "../../../drizzle/schema/index.ts";
import type { ServiceCall } from "../context.ts";
import { poolAudit, poolAuditChanges } from "./pool-audit.ts";
import {
  applyChanges,
  assertPoolInvariants,
  changedSettings,
  type PoolChanges,
  poolWriteError,
  settingsOf,
} from "./pool-settings.ts";
import { findPool, type PoolView, toPoolView } from "./pool-view.ts";
import { writePool } from "./pool-write.ts";

export const POOL_UPDATED_EVENT = "pool.updated";

export interface UpdatePoolInput {
  clusterId: string;
  poolId: string;
  changes: PoolChanges;
}

export async function updatePool({ ctx, input }: ServiceCall<UpdatePoolInput>): Promise<PoolView> {
  try {
    return await writePool(ctx, input.clusterId, async (tx) => {
      const current = await findPool(tx, input.clusterId, input.poolId, { lock: true });
      const audit = poolAudit("pool.update", input.clusterId, current.id, poolAuditChanges(input.changes));
      const before = settingsOf(current);
      const merged = applyChanges(before, input.changes);
      assertPoolInvariants(merged);
      const changed = changedSettings(before, merged);
      if (changed.length === 0) return { result: toPoolView(current), event: null, audit };
      const [row] = await tx
        .update(nodePools)
        .set({ ...merged, updatedAt: ctx.clock.now() })
        .where(eq(nodePools.id, current.id))
        .returning();
      return {
        result: toPoolView(row!),
        event: { kind: POOL_UPDATED_EVENT, poolId: current.id, metadata: { changed } },
        audit,
      };
    });
  } catch (err) {
    throw poolWriteError(err, input.changes.name ?? "");
  }
}
