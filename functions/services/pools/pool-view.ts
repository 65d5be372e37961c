/**
 * What the API shows of a pool (every stored field, timestamps as ISO text),
 * and the lookups every pool service starts with: the cluster must be live,
 * and the pool must belong to it.
 */
import { and, eq } from "drizzle-orm";
import type { Db } from "../../../drizzle/client.ts";
import { type NodePool, nodePools } from "../../../drizzle/schema/index.ts";
import { DEFAULT_POOL_LIFECYCLE } from "../../../proto/pool-lifecycle.ts";
import { AppError } from "../../lib/errors.ts";
import { liveCluster } from "../clusters/cluster-view.ts";
import { isUuid } from "../machines/ids.ts";

export type PoolView = Omit<NodePool, "createdAt" | "updatedAt"> & { createdAt: string; updatedAt: string };

const HOOK_FIELDS = ["preJoinHook", "postJoinHook", "preResetHook", "postResetHook"] as const;

/**
 * What a viewer sees of a hook script instead of its text: scripts run as
 * root on the pool's machines and often carry secrets, so only operators
 * (who may change them) read them. The size tells a viewer one is set.
 */
export function redactedHook(script: string): string {
  return `[redacted: ${Buffer.byteLength(script)} bytes; operators can read it]`;
}

/** `redactHooks`: for a caller who may read the pool but not its hook scripts (viewers). */
export function toPoolView(row: NodePool, options: { redactHooks?: boolean } = {}): PoolView {
  const hooks = options.redactHooks
    ? Object.fromEntries(HOOK_FIELDS.map((f) => [f, row[f] === null ? null : redactedHook(row[f])]))
    : {};
  return {
    ...row,
    ...hooks,
    // a pool stored before a setting existed shows (and is run with) its default
    lifecycleSettings: { ...DEFAULT_POOL_LIFECYCLE, ...row.lifecycleSettings },
    createdAt: row.createdAt.toISOString(),
    updatedAt: row.updatedAt.toISOString(),
  };
}

export function poolNotFound(clusterId: string, poolId: string): AppError {
  return new AppError("not_found", `pool ${poolId} not found in cluster ${clusterId}`, { clusterId, poolId });
}

/**
 * The pool of a live cluster, or not_found. With `lock`, the pool row is held
 * FOR UPDATE until commit: the order (pool, then machines, then the cluster's
 * state version) is the one reservations use, so the two never deadlock.
 */
export async function findPool(
  db: Db,
  clusterId: string,
  poolId: string,
  options: { lock?: boolean } = {},
): Promise<NodePool> {
  await liveCluster(db, clusterId);
  if (!isUuid(poolId)) throw poolNotFound(clusterId, poolId);
  const query = db
    .select()
    .from(nodePools)
    .where(and(eq(nodePools.id, poolId), eq(nodePools.clusterId, clusterId)));
  const [row] = options.lock ? await query.for("update") : await query;
  if (!row) throw poolNotFound(clusterId, poolId);
  return row;
}
