/**
 * Which available machines a pool may take, and in what order. Used inside
 * the reservation transaction; rows come back locked (FOR UPDATE SKIP LOCKED),
 * so concurrent reservations never see the same machine.
 */
import { and, asc, desc, eq, isNull, or, type SQL, sql } from "drizzle-orm";
import type { Db } from "../../../drizzle/client.ts";
import {
  machines,
  type NodePool,
  SCALE_UP_POLICIES,
  type ScaleUpPolicy,
} from "../../../drizzle/schema/index.ts";
import { renderOnce } from "../../../drizzle/static-sql.ts";
import { requirementsConditions } from "./requirements.ts";

/**
 * A machine fits a pool when it is the pool's own (an operator put it there)
 * or free inventory (no cluster, no pool) meeting the pool's hardware needs,
 * as requirements.ts defines them (the same rules `meetsRequirements` applies).
 * Either way its SSH identity must not be scoped to another cluster
 * (identity.ts): a token scoped to one cluster cannot hand another a host.
 */
export function assignableTo(pool: Pick<NodePool, "id" | "clusterId" | "hardwareRequirements">): SQL {
  const free = [isNull(machines.clusterId), isNull(machines.poolId)];
  const fits = and(...free, ...requirementsConditions(pool.hardwareRequirements));
  return and(
    eq(machines.status, "available"),
    identityAllowsSql(pool.clusterId),
    or(eq(machines.poolId, pool.id), fits),
  )!;
}

/** SQL twin of identity.ts's `identityAllows`. */
function identityAllowsSql(clusterId: string): SQL {
  return or(isNull(machines.identityScopeClusterId), eq(machines.identityScopeClusterId, clusterId))!;
}

/**
 * Scale-up policies, read simply: the pool's own machines always come before
 * free inventory (they were set aside for it), then
 *  - random: uniform, so wear and failures spread across the fleet;
 *  - least-used: the machine idle the longest (oldest status change), fewest failures first;
 *  - most-available: the biggest machines first (cpu, memory, gpus), leaving small ones for small pools.
 */
export function scaleUpOrder(policy: ScaleUpPolicy): SQL[] {
  const ownFirst = sql`(${machines.poolId} is null)`;
  switch (policy) {
    case "random":
      return [ownFirst, sql`random()`];
    case "least-used":
      return [ownFirst, asc(machines.statusChangedAt), asc(machines.consecutiveFailures), asc(machines.id)];
    case "most-available":
      return [
        ownFirst,
        desc(machines.cpuCores),
        desc(machines.memoryBytes),
        desc(machines.gpuCount),
        asc(machines.id),
      ];
  }
}

/** The pool's own available machines in each policy's order: the common case, prebuilt. */
const OWN_ORDER = Object.fromEntries(
  SCALE_UP_POLICIES.map((policy) => [policy, renderOnce(sql.join(scaleUpOrder(policy), sql`, `))]),
) as Record<ScaleUpPolicy, SQL>;
const MACHINES = renderOnce(sql`${machines}`);

/**
 * Up to `count` candidates (id, version, pool_id) in the pool's scale-up
 * order, locked (FOR UPDATE SKIP LOCKED) when the statement embedding it
 * runs. `ownOnly` asks for the pool's own machines alone, which the
 * (pool_id, status) index answers without ordering the whole free
 * inventory; otherwise every machine assignableTo the pool competes.
 */
export function candidatesSql(tx: Db, pool: NodePool, count: number, { ownOnly }: { ownOnly: boolean }): SQL {
  if (ownOnly) {
    return sql`select id, version, pool_id from ${MACHINES}
      where status = 'available' and pool_id = ${pool.id}
        and (identity_scope_cluster_id is null or identity_scope_cluster_id = ${pool.clusterId})
      order by ${OWN_ORDER[pool.scaleUpPolicy]} limit ${count} for update skip locked`;
  }
  return sql`${tx
    .select({ id: machines.id, version: machines.version, poolId: machines.poolId })
    .from(machines)
    .where(assignableTo(pool))
    .orderBy(...scaleUpOrder(pool.scaleUpPolicy))
    .limit(count)
    .for("update", { skipLocked: true })}`;
}
