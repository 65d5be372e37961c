/**
 * Creates a pool in a live cluster. Names are unique per cluster through a
 * unique index, so a racing duplicate is caught by Postgres (409), not by a
 * check-then-insert. A pool created while its cluster is being deleted may
 * land in the deleted cluster; that is harmless, because cluster deletion keeps
 * pool rows anyway and every pool route 404s for a deleted cluster.
 */
import { nodePools } from "../../../drizzle/schema/index.ts";
import { liveCluster } from "../clusters/cluster-view.ts";
import type { ServiceCall } from "../context.ts";
import { poolAudit, poolAuditChanges } from "./pool-audit.ts";
import { assertPoolInvariants, newPoolSettings, type PoolChanges, poolWriteError } from "./pool-settings.ts";
import { type PoolView, toPoolView } from "./pool-view.ts";
import { writePool } from "./pool-write.ts";

export const POOL_CREATED_EVENT = "pool.created";

export interface CreatePoolInput {
  clusterId: string;
  pool: PoolChanges & { name: string };
}

export async function createPool({ ctx, input }: ServiceCall<CreatePoolInput>): Promise<PoolView> {
  const settings = newPoolSettings(input.pool);
  assertPoolInvariants(settings);
  const now = ctx.clock.now();
  try {
    return await writePool(ctx, input.clusterId, async (tx) => {
      await liveCluster(tx, input.clusterId);
      const [row] = await tx
        .insert(nodePools)
        .values({ ...settings, clusterId: input.clusterId, createdAt: now, updatedAt: now })
        .returning();
      return {
        result: toPoolView(row!),
        event: { kind: POOL_CREATED_EVENT, poolId: row!.id, metadata: { name: row!.name } },
        audit: poolAudit("pool.create", input.clusterId, row!.id, poolAuditChanges(input.pool)),
      };
    });
  } catch (err) {
    throw poolWriteError(err, settings.name);
  }
}
