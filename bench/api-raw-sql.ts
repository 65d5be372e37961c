/**
 * The two raw-SQL reference points of the allocation benchmark, each one
 * scale-up of `delta` machines from one pool on a pooled `pg` connection.
 *
 * - baselineReservation: the baseline, the textbook
 *   `FOR UPDATE SKIP LOCKED` reservation and nothing else.
 * - floorReservation: every write the issue asks an allocation to make, in
 *   plain prepared SQL with no HTTP, no auth, no validation and no ORM: lock
 *   the pool for the max check, lock the candidates, count the pool's machines
 *   in use, record the allocation under its request id, move the machines,
 *   write one event per machine, bump the cluster's state version and write
 *   the audit row, in one transaction. No implementation of the issue can be
 *   cheaper than this on the same database, so floor ÷ baseline is the
 *   ceiling of allocationRatio on the machine the benchmark runs on.
 */
import type pg from "pg";

export interface RawTarget {
  clusterId: string;
  poolId: string;
}

const CANDIDATES = `select id from machines where status = 'available' and pool_id = $1
  order by status_changed_at limit $2 for update skip locked`;

export async function baselineReservation(client: pg.PoolClient, { poolId }: RawTarget, delta: number) {
  await client.query("begin");
  const { rows } = await client.query<{ id: string }>(CANDIDATES, [poolId, delta]);
  await client.query(
    `update machines set status = 'reserved', version = version + 1, status_changed_at = now()
     where id = any($1::uuid[])`,
    [rows.map((r) => r.id)],
  );
  await client.query("commit");
  return rows.length;
}

const FLOOR = {
  lockPool: { name: "floor_lock_pool", text: "select max_size from node_pools where id = $1 for update" },
  candidates: { name: "floor_candidates", text: CANDIDATES },
  inUse: {
    name: "floor_in_use",
    text: `select count(*)::int as n from machines
           where pool_id = $1 and status in ('reserved', 'joining', 'ready', 'draining', 'leaving')`,
  },
  allocation: {
    name: "floor_allocation",
    text: `insert into allocations (cluster_id, pool_id, request_id, delta, status, machine_ids)
           values ($1, $2, $3, $4, 'succeeded', $5)`,
  },
  move: {
    name: "floor_move",
    text: `update machines set status = 'reserved', version = version + 1, status_changed_at = now(),
                  provider_id = 'ksp://' || id
           where id = any($1::uuid[]) and status = 'available'`,
  },
  events: {
    name: "floor_events",
    text: `insert into operations (kind, status, request_id, cluster_id, pool_id, machine_id, metadata)
           select 'machine.transition', 'succeeded', $1, $2, $3, m,
                  '{"from":"available","to":"reserved"}'::jsonb
           from unnest($4::uuid[]) m`,
  },
  bump: { name: "floor_bump", text: "update clusters set state_version = state_version + 1 where id = $1" },
  audit: {
    name: "floor_audit",
    text: `insert into audit_logs (actor, action, resource_type, resource_id, cluster_id, result, status_code, request_id)
           values ($1, 'pool.allocate', 'pool', $2, $3, 'success', 200, $4)`,
  },
} as const;

export async function floorReservation(
  client: pg.PoolClient,
  { clusterId, poolId }: RawTarget,
  delta: number,
  requestId: string,
) {
  const run = (q: { name: string; text: string }, values: unknown[]) => client.query({ ...q, values });
  await client.query("begin");
  try {
    const { rows: pool } = await run(FLOOR.lockPool, [poolId]);
    const { rows } = await run(FLOOR.candidates, [poolId, delta]);
    const { rows: inUse } = await run(FLOOR.inUse, [poolId]);
    if (rows.length < delta || inUse[0].n + delta > pool[0].max_size)
      throw new Error(`floor: pool ${poolId} cannot grow by ${delta}`);
    const ids = rows.map((r) => r.id as string);
    await run(FLOOR.allocation, [clusterId, poolId, requestId, delta, JSON.stringify(ids)]);
    await run(FLOOR.move, [ids]);
    await run(FLOOR.events, [requestId, clusterId, poolId, ids]);
    await run(FLOOR.bump, [clusterId]);
    await run(FLOOR.audit, [`agent:${clusterId}`, poolId, clusterId, requestId]);
    await client.query("commit");
    return ids.length;
  } catch (err) {
    await client.query("rollback");
    throw err;
  }
}
