/**
 * The only way a machine changes place (cluster and pool) without changing
 * status, as transition-machine.ts is for status: assign, move, unassign, and
 * the release of machines a deleted cluster or pool lets go of. (A change of
 * place that comes with a change of status, like a reservation, a release
 * back to the free inventory or an archive, is a transition's patch and rides
 * the same guard in transition-statement.ts.)
 *
 * One statement per batch: a guarded UPDATE (the row must still be in the
 * status, place and version the caller read, so of racing writers exactly one
 * wins), one event row per place that sees the machine come or go, all in
 * one shape ({from, to, status, reason} plus the caller's facts, actor and
 * version), and one version bump per machine. A machine leaving a cluster for
 * the free inventory records it as `originClusterId`. The clusters on both
 * sides are touched in the caller's cluster write (unit-of-work.ts), so their
 * agents see the change. If any guard fails, this throws and the caller's
 * transaction rolls the whole batch back.
 */
import { eq, sql } from "drizzle-orm";
import type { Db } from "../../../drizzle/client.ts";
import { resultRows, tableRowFromJson } from "../../../drizzle/drivers/rows.ts";
import { type Machine, machines, operations } from "../../../drizzle/schema/index.ts";
import { renderOnce } from "../../../drizzle/static-sql.ts";
import type { MachineState } from "../../../proto/machine-states.ts";
import { AppError } from "../../lib/errors.ts";
import type { ServiceContext } from "../context.ts";
import type { ClusterWrite } from "../unit-of-work.ts";
import { isUuid } from "./ids.ts";

export const MACHINE_ASSIGN_EVENT = "machine.assign";
export const MACHINE_UNASSIGN_EVENT = "machine.unassign";
export const MACHINE_MOVE_EVENT = "machine.move";
/** detached by the deletion of its cluster or pool, status unchanged */
export const MACHINE_RELEASED_EVENT = "machine.released";

export type PlacementEvent =
  | typeof MACHINE_ASSIGN_EVENT
  | typeof MACHINE_UNASSIGN_EVENT
  | typeof MACHINE_MOVE_EVENT
  | typeof MACHINE_RELEASED_EVENT;

export interface Placement {
  clusterId: string | null;
  poolId: string | null;
}

/** What a caller reads of a machine before changing its place: the columns the guard pins. */
export const PLACEMENT_READ = {
  id: machines.id,
  status: machines.status,
  clusterId: machines.clusterId,
  poolId: machines.poolId,
  version: machines.version,
};

export interface PlacementRead {
  id: string;
  status: MachineState;
  clusterId: string | null;
  poolId: string | null;
  version: number;
}

export interface PlacementChange {
  /** the machine as the caller read it (locked or not): the guard pins its status, place and version */
  read: PlacementRead;
  to: Placement;
  kind: PlacementEvent;
  /** why, on the event (e.g. "cluster deleted") */
  reason?: string;
  /** extra facts for the event, merged under {from, to, status, reason} */
  metadata?: Record<string, unknown>;
}

const MACHINES = renderOnce(sql`${machines}`);
const OPERATIONS = renderOnce(sql`${operations}`);

/** One guarded placement change in the caller's cluster write; the machine after it. */
export async function writePlacement(
  tx: Db,
  ctx: ServiceContext,
  write: ClusterWrite,
  change: PlacementChange,
): Promise<Machine> {
  const [machine] = await writePlacements(tx, ctx, write, [change]);
  return machine!;
}

/** A batch of guarded placement changes as one statement; the machines after it, in input order. */
export async function writePlacements(
  tx: Db,
  ctx: ServiceContext,
  write: ClusterWrite,
  changes: readonly PlacementChange[],
): Promise<Machine[]> {
  if (changes.length === 0) return [];
  assertWellFormed(changes);
  const at = ctx.clock.now().toISOString();
  const records = changes.map(({ read, to, kind, reason, metadata }) => ({
    id: read.id,
    kind,
    from_status: read.status,
    from_cluster: read.clusterId,
    from_pool: read.poolId,
    expected_version: read.version,
    to_cluster: to.clusterId,
    to_pool: to.poolId,
    metadata: {
      ...metadata,
      from: { clusterId: read.clusterId, poolId: read.poolId },
      to: { clusterId: to.clusterId, poolId: to.poolId },
      status: read.status,
      reason: reason ?? null,
    },
  }));
  // Events: a cluster's history shows the machine arriving; the place it left shows it
  // leaving when that is another cluster or the machine left for no cluster at all.
  const result = await tx.execute(sql`
    with v as (
      select * from jsonb_to_recordset(${JSON.stringify(records)}::jsonb) as v(
        id uuid, kind text, from_status text, from_cluster uuid, from_pool uuid, expected_version integer,
        to_cluster uuid, to_pool uuid, metadata jsonb)
    ), changed as (
      update ${MACHINES} as m
         set cluster_id = v.to_cluster, pool_id = v.to_pool,
             origin_cluster_id = case when v.to_cluster is null and m.cluster_id is not null
                                      then m.cluster_id else m.origin_cluster_id end,
             updated_at = ${at}::timestamptz, version = m.version + 1
        from v
       where m.id = v.id and m.status = v.from_status and m.version = v.expected_version
         and m.cluster_id is not distinct from v.from_cluster and m.pool_id is not distinct from v.from_pool
   returning m.*
    ), events as (
      insert into ${OPERATIONS} (kind, status, request_id, cluster_id, pool_id, machine_id, metadata, started_at, ended_at)
      select v.kind, 'succeeded', ${ctx.requestId}, p.cluster_id, p.pool_id, c.id,
             v.metadata || jsonb_build_object('actor', ${ctx.actor}::text, 'version', c.version),
             ${at}::timestamptz, ${at}::timestamptz
        from changed c join v on v.id = c.id
       cross join lateral (values (v.to_cluster, v.to_pool, true), (v.from_cluster, v.from_pool, false))
             as p(cluster_id, pool_id, arriving)
       where (p.arriving and v.to_cluster is not null)
          or (not p.arriving and (v.to_cluster is null or v.from_cluster <> v.to_cluster))
    )
    select coalesce(json_agg(row_to_json(changed)), '[]'::json) as machines from changed`);
  const [row] = resultRows<{ machines: Record<string, unknown>[] }>(result);
  const byId = new Map(
    (row?.machines ?? []).map((json) => [String(json.id), tableRowFromJson(machines, json)]),
  );
  const firstMiss = changes.find((change) => !byId.has(change.read.id));
  if (firstMiss) throw await explainMiss(tx, firstMiss);
  for (const { read, to } of changes) write.touch(read.clusterId, to.clusterId);
  return changes.map((change) => byId.get(change.read.id)!);
}

/** Refused before the statement runs: a malformed id, a machine twice, a change that goes nowhere. */
function assertWellFormed(changes: readonly PlacementChange[]): void {
  const seen = new Set<string>();
  for (const { read, to } of changes) {
    if (!isUuid(read.id)) throw notFound(read.id);
    if (seen.has(read.id)) {
      throw new AppError("validation_failed", `machine ${read.id} appears twice in one placement batch`, {
        machineId: read.id,
      });
    }
    seen.add(read.id);
    if (read.clusterId === to.clusterId && read.poolId === to.poolId) {
      throw new AppError("validation_failed", `machine ${read.id} is already in that place`, {
        machineId: read.id,
        clusterId: to.clusterId,
        poolId: to.poolId,
      });
    }
  }
}

/** Zero rows updated: tell "no such machine" from "someone changed it first". */
async function explainMiss(tx: Db, change: PlacementChange): Promise<AppError> {
  const { read } = change;
  const [current] = await tx
    .select({ status: machines.status, version: machines.version })
    .from(machines)
    .where(eq(machines.id, read.id));
  if (!current) return notFound(read.id);
  return new AppError(
    "stale_version",
    `machine ${read.id} changed meanwhile (read at version ${read.version}); read it again and retry`,
    {
      machineId: read.id,
      expectedStatus: read.status,
      actualStatus: current.status,
      expectedVersion: read.version,
      actualVersion: current.version,
    },
  );
}

function notFound(id: string): AppError {
  return new AppError("not_found", `machine ${id} not found`, { machineId: id });
}
