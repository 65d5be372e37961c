/**
 * Names wherever an id is accepted: a cluster by its name, a pool by its name
 * inside a known cluster or as "cluster/pool", a machine by its hostname.
 * A value that is a UUID is taken as an id and passed through untouched (the
 * service that uses it decides whether it exists). Names are looked up only
 * inside what the caller may see, so a cluster-scoped token cannot learn what
 * other clusters hold; a name matching several resources is a 409 listing
 * them, never a guess.
 */
import { and, asc, eq, isNull, ne } from "drizzle-orm";
import { clusters } from "../../../drizzle/schema/clusters.ts";
import { machines } from "../../../drizzle/schema/machines.ts";
import { nodePools } from "../../../drizzle/schema/node-pools.ts";
import { AppError } from "../../lib/errors.ts";
import type { ServiceContext } from "../context.ts";
import { isUuid } from "../machines/ids.ts";

/** A token's cluster, or null when it may see every cluster. */
export type VisibleCluster = string | null;

/** At most this many candidates are listed in an ambiguity error. */
const CANDIDATE_LIMIT = 20;

export async function resolveClusterRef(
  ctx: ServiceContext,
  ref: string,
  visible: VisibleCluster,
): Promise<string> {
  if (isUuid(ref)) return ref;
  const where = [eq(clusters.name, ref), isNull(clusters.deletedAt)];
  if (visible !== null) where.push(eq(clusters.id, visible));
  // Live names are unique (clusters_name_live_uq), so one row at most.
  const [row] = await ctx.db
    .select({ id: clusters.id })
    .from(clusters)
    .where(and(...where));
  if (!row) throw new AppError("not_found", `cluster ${ref} not found`, { cluster: ref });
  return row.id;
}

/**
 * `ref` is a pool id, a pool name inside `clusterId` (when the caller named
 * the cluster already, as in /v1/clusters/{c}/pools/{p}), or "cluster/pool".
 */
export async function resolvePoolRef(
  ctx: ServiceContext,
  ref: string,
  clusterId: string | undefined,
  visible: VisibleCluster,
): Promise<string> {
  if (isUuid(ref)) return ref;
  const slash = ref.indexOf("/");
  let poolName = ref;
  let inCluster = clusterId;
  if (slash >= 0) {
    poolName = ref.slice(slash + 1);
    inCluster = await resolveClusterRef(ctx, ref.slice(0, slash), visible);
    if (clusterId !== undefined && clusterId !== inCluster) {
      throw new AppError("validation_failed", `pool ${ref} is not in the cluster the request names`, {
        pool: ref,
      });
    }
  }
  const where = [eq(nodePools.name, poolName)];
  if (inCluster !== undefined) where.push(eq(nodePools.clusterId, inCluster));
  if (visible !== null) where.push(eq(nodePools.clusterId, visible));
  const rows = await ctx.db
    .select({ id: nodePools.id, clusterId: nodePools.clusterId, cluster: clusters.name })
    .from(nodePools)
    .innerJoin(clusters, and(eq(clusters.id, nodePools.clusterId), isNull(clusters.deletedAt)))
    .where(and(...where))
    .orderBy(asc(clusters.name))
    .limit(CANDIDATE_LIMIT + 1);
  if (rows.length === 0) throw new AppError("not_found", `pool ${ref} not found`, { pool: ref });
  if (rows.length > 1) {
    throw ambiguous(
      "pool",
      ref,
      'name it as "cluster/pool" or by id',
      rows.map((r) => ({
        id: r.id,
        name: `${r.cluster}/${poolName}`,
        clusterId: r.clusterId,
      })),
    );
  }
  return rows[0]!.id;
}

/**
 * By hostname. Archived machines keep their hostnames, and a host is often
 * re-imported under the same name: a live machine wins; archived ones are
 * found only when no live one has the name.
 */
export async function resolveMachineRef(
  ctx: ServiceContext,
  ref: string,
  visible: VisibleCluster,
): Promise<string> {
  if (isUuid(ref)) return ref;
  const live = await machinesNamed(ctx, ref, visible, true);
  const rows = live.length > 0 ? live : await machinesNamed(ctx, ref, visible, false);
  if (rows.length === 0) throw new AppError("not_found", `machine ${ref} not found`, { machine: ref });
  if (rows.length > 1) {
    throw ambiguous(
      "machine",
      ref,
      "name it by id",
      rows.map((r) => ({ id: r.id, name: r.hostname, ip: r.ip, status: r.status, clusterId: r.clusterId })),
    );
  }
  return rows[0]!.id;
}

async function machinesNamed(ctx: ServiceContext, hostname: string, visible: VisibleCluster, live: boolean) {
  const where = [eq(machines.hostname, hostname)];
  where.push(live ? ne(machines.status, "archived") : eq(machines.status, "archived"));
  if (visible !== null) where.push(eq(machines.clusterId, visible));
  return ctx.db
    .select({
      id: machines.id,
      hostname: machines.hostname,
      ip: machines.ip,
      status: machines.status,
      clusterId: machines.clusterId,
    })
    .from(machines)
    .where(and(...where))
    .orderBy(asc(machines.createdAt), asc(machines.id))
    .limit(CANDIDATE_LIMIT + 1);
}

function ambiguous(kind: string, ref: string, hint: string, candidates: Record<string, unknown>[]): AppError {
  return new AppError("conflict", `${kind} name ${ref} is ambiguous: ${hint}`, {
    [kind]: ref,
    candidates: candidates.slice(0, CANDIDATE_LIMIT),
    truncated: candidates.length > CANDIDATE_LIMIT,
  });
}
