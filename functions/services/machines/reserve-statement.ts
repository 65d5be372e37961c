/**
 * The body of a reservation as ONE statement, run after the caller locked
 * the pool row: lock the candidates (SKIP LOCKED), count the pool's machines
 * in use, and only when there are enough candidates and room under max,
 * record the agent's allocation (when asked) and move every candidate
 * available → reserved through the guarded transition CTEs, with their events
 * and the state-version bump. Nothing is written otherwise; the counts come
 * back so the caller can name the refusal.
 *
 * One statement instead of five matters because the pool row stays locked
 * until commit: every round trip under that lock is time every other
 * scale-up of the pool waits. The count is taken by this statement, which
 * starts after the pool lock is held, so it sees every reservation committed
 * before ours (a statement that waited for the lock would still read its
 * older snapshot).
 */
import { sql } from "drizzle-orm";
import type { Db } from "../../../drizzle/client.ts";
import { resultRows, tableRowFromJson } from "../../../drizzle/drivers/rows.ts";
import {
  type Allocation,
  allocations,
  type Machine,
  machines,
  type NodePool,
} from "../../../drizzle/schema/index.ts";
import { renderOnce } from "../../../drizzle/static-sql.ts";
import { IN_USE_STATES } from "../../../proto/machine-states.ts";
import { PROVIDER_ID_PREFIX } from "../../../proto/provider-id.ts";
import type { ServiceContext } from "../context.ts";
import { candidatesSql } from "./candidates.ts";
import {
  TRANSITION_RESULT,
  type TransitionRows,
  transitionBatchResult,
  transitionCtes,
} from "./transition-statement.ts";

const MACHINES = renderOnce(sql`${machines}`);
const ALLOCATIONS = renderOnce(sql`${allocations}`);
const IN_USE = sql.raw(IN_USE_STATES.map((s) => `'${s}'`).join(", "));
export const RESERVE_REASON = "reserved for scale-up";

export interface ReservationStatementInput {
  pool: NodePool;
  count: number;
  /** the events' request id (the agent's allocation request id) */
  requestId: string;
  ownOnly: boolean;
  /** record the agent's allocation under this request id; a duplicate writes nothing */
  allocation: { requestId: string } | null;
}

export interface ReservationStatementResult {
  found: number;
  inUse: number;
  /** the recorded allocation; null when none was asked for, or the request id existed already */
  allocation: Allocation | null;
  /** reserved machines, in scale-up order (empty when nothing was written) */
  machines: Machine[];
  stateVersions: Map<string, number>;
}

interface Row extends TransitionRows {
  found: number;
  in_use: number;
  allocation: Record<string, unknown> | null;
  candidate_ids: string[];
}

export async function runReservationStatement(
  tx: Db,
  ctx: ServiceContext,
  input: ReservationStatementInput,
): Promise<ReservationStatementResult> {
  const { pool, count } = input;
  const now = ctx.clock.now();
  const at = now.toISOString();
  const patch = sql`jsonb_build_object('clusterId', ${pool.clusterId}::text, 'poolId', ${pool.id}::text,
    'providerId', ${PROVIDER_ID_PREFIX}::text || c.id::text)`;
  // Whether a release should give the machine back to the free inventory (see release-patch.ts).
  const metadata = JSON.stringify({
    contextRequestId: ctx.requestId,
    count,
    from: "available",
    to: "reserved",
    reason: RESERVE_REASON,
  });
  const recordAllocation = input.allocation
    ? sql`, alloc as (
        insert into ${ALLOCATIONS} (cluster_id, pool_id, request_id, delta, status, machine_ids, created_at)
        select ${pool.clusterId}, ${pool.id}, ${input.allocation.requestId}, ${count}, 'succeeded',
               (select jsonb_agg(id order by ord) from cand), ${at}::timestamptz
          from room where room.ok
        on conflict (cluster_id, request_id) do nothing
        returning *)`
    : sql``;
  const allocationWritten = input.allocation ? sql`and exists (select 1 from alloc)` : sql``;
  const allocationResult = input.allocation ? sql`(select row_to_json(alloc) from alloc)` : sql`null::json`;
  const result = await tx.execute(sql`
    with cand as (
      select c.*, row_number() over () as ord
        from (${candidatesSql(tx, pool, count, { ownOnly: input.ownOnly })}) as c
    ), room as (
      select (select count(*) from cand)::int as found, u.n as in_use,
             (select count(*) from cand) = ${count} and u.n + ${count} <= ${pool.maxSize} as ok
        from (select count(*)::int as n from ${MACHINES}
               where pool_id = ${pool.id} and status in (${IN_USE})) as u
    )${recordAllocation}, v as (
      select c.id, 'available'::text as from_status, 'reserved'::text as to_status,
             c.version as expected_version, ${RESERVE_REASON}::text as reason, ${patch} as patch,
             ${metadata}::jsonb || jsonb_build_object('fromFreeInventory', c.pool_id is null, 'patch', ${patch})
               as metadata
        from cand c, room
       where room.ok ${allocationWritten}
    ), ${transitionCtes({ requestId: input.requestId, actor: ctx.actor, now })}
    select room.found, room.in_use, ${allocationResult} as allocation,
           (select coalesce(json_agg(id order by ord), '[]'::json) from cand) as candidate_ids,
           ${TRANSITION_RESULT}
      from room`);
  const row = resultRows<Row>(result)[0]!;
  const { machines: changed, stateVersions } = transitionBatchResult(row);
  const byId = new Map(changed.map((m) => [m.id, m]));
  return {
    found: row.found,
    inUse: row.in_use,
    allocation: row.allocation ? tableRowFromJson(allocations, row.allocation) : null,
    machines: row.candidate_ids.map((id) => byId.get(id)).filter((m): m is Machine => m !== undefined),
    stateVersions,
  };
}
