/**
 * A batch of guarded machine transitions as ONE SQL statement: the guarded
 * UPDATE (status must still be `from`, version `expectedVersion` when given),
 * one event row per changed machine and the state-version bump of every
 * cluster the batch touched (the machine's cluster after the change, and the
 * one it left when a patch moved it). One round trip whatever the batch size:
 * on the allocation path each statement costs more than the SQL it runs.
 *
 * Rows whose guard fails are simply absent from `machines`; the caller
 * decides what that means (transition-machine.ts throws and rolls back).
 */
import { getTableColumns, type SQL, sql } from "drizzle-orm";
import type { Db } from "../../../drizzle/client.ts";
import { resultRows, tableRowFromJson } from "../../../drizzle/drivers/rows.ts";
import { clusters, type Machine, machines, operations } from "../../../drizzle/schema/index.ts";
import { renderOnce } from "../../../drizzle/static-sql.ts";
import type { MachinePatch, TransitionInput } from "./transition-types.ts";

export const MACHINE_TRANSITION_EVENT = "machine.transition";

/** Patch keys the statement can set, each a machines column; anything else in a patch is ignored. */
const PATCHABLE = [
  "clusterId",
  "poolId",
  "nodeName",
  "providerId",
  "lastError",
  "lastAction",
  "consecutiveFailures",
  "lastHeartbeatAt",
  "kubeletVersion",
  "originClusterId",
] as const satisfies readonly (keyof MachinePatch)[];

const columns = getTableColumns(machines);

/**
 * `col = CASE WHEN the patch names it THEN its value ELSE unchanged END`, for every patchable
 * column. The drain intent is the exception: it belongs to one drain, so any move to a status
 * other than draining clears it unless the patch sets it (an aborted maintenance drain must not
 * turn the machine's next, ordinary scale-down into maintenance).
 */
const patchAssignments: SQL = renderOnce(
  sql.join(
    [
      ...PATCHABLE.map((key) => {
        const column = columns[key];
        // the keys are the constant names above, safe as literals
        const name = sql.raw(`'${key}'`);
        return sql`${sql.identifier(column.name)} = case when v.patch ? ${name}
      then (v.patch ->> ${name})::${sql.raw(column.getSQLType())} else m.${sql.identifier(column.name)} end`;
      }),
      sql`drain_intent = case when v.patch ? 'drainIntent' then v.patch ->> 'drainIntent'
      when v.to_status = 'draining' then m.drain_intent else null end`,
    ],
    sql`, `,
  ),
);

const MACHINES = renderOnce(sql`${machines}`);
const OPERATIONS = renderOnce(sql`${operations}`);
const CLUSTERS = renderOnce(sql`${clusters}`);
const EVENT_KIND = sql.raw(`'${MACHINE_TRANSITION_EVENT}'`);

export interface TransitionEventContext {
  requestId: string;
  actor: string;
  now: Date;
}

export interface TransitionBatchResult {
  /** the changed machines, after the change */
  machines: Machine[];
  /** every touched cluster's new state version */
  stateVersions: Map<string, number>;
}

/**
 * The CTEs that apply a batch: `changed` (the guarded UPDATE), `events` and
 * `bumped`. They read the batch from a CTE named `v` that the caller defines
 * before them, with columns (id uuid, from_status text, to_status text,
 * expected_version integer, reason text, patch jsonb, metadata jsonb).
 * Follow them with `select ${TRANSITION_RESULT}`.
 */
export function transitionCtes(event: TransitionEventContext): SQL {
  const at = event.now.toISOString();
  return sql`changed as (
      update ${MACHINES} as m
         set ${patchAssignments},
             status = v.to_status, status_reason = v.reason, status_changed_at = ${at}::timestamptz,
             updated_at = ${at}::timestamptz, version = m.version + 1
        from v, ${MACHINES} as before
       where m.id = v.id and before.id = m.id and m.status = v.from_status
         and (v.expected_version is null or m.version = v.expected_version)
   returning m.*, before.cluster_id as previous_cluster_id
    ), events as (
      insert into ${OPERATIONS} (kind, status, request_id, cluster_id, pool_id, machine_id, metadata, started_at, ended_at)
      select ${EVENT_KIND}, 'succeeded', ${event.requestId}, c.cluster_id, c.pool_id, c.id,
             v.metadata || jsonb_build_object('actor', ${event.actor}::text, 'version', c.version),
             ${at}::timestamptz, ${at}::timestamptz
        from changed c join v on v.id = c.id
    ), bumped as (
      update ${CLUSTERS} set state_version = state_version + 1
       where id in (select cluster_id from changed union select previous_cluster_id from changed)
   returning id, state_version
    )`;
}

/** The result columns `machines` and `versions` of a statement built on transitionCtes. */
export const TRANSITION_RESULT = sql`
  (select coalesce(json_agg(row_to_json(changed)), '[]'::json) from changed) as machines,
  (select coalesce(json_agg(json_build_array(id, state_version)), '[]'::json) from bumped) as versions`;

export interface TransitionRows {
  machines: Record<string, unknown>[];
  versions: [string, number][];
}

export function transitionBatchResult(row: TransitionRows | undefined): TransitionBatchResult {
  return {
    machines: (row?.machines ?? []).map((json) => tableRowFromJson(machines, json)),
    stateVersions: new Map(row?.versions ?? []),
  };
}

/**
 * The metadata every transition event carries besides `actor` and `version`
 * (added in SQL). An error the transition records (the masked output tail of
 * the agent's failed step, sent with `→ fault`) is `lastError`, at the top so
 * the event list shows why; the patch keeps the other columns it set.
 */
export function eventMetadata(input: TransitionInput): Record<string, unknown> {
  const { lastError, ...rest } = input.patch ?? {};
  const recordsError = typeof lastError === "string";
  return {
    ...input.metadata,
    from: input.from,
    to: input.to,
    reason: input.reason ?? null,
    ...(input.patch ? { patch: recordsError ? rest : input.patch } : {}),
    ...(recordsError ? { lastError } : {}),
  };
}

export async function runTransitionBatch(
  tx: Db,
  inputs: readonly TransitionInput[],
  event: TransitionEventContext,
): Promise<TransitionBatchResult> {
  const records = inputs.map((input) => ({
    id: input.machineId,
    from_status: input.from,
    to_status: input.to,
    expected_version: input.expectedVersion ?? null,
    reason: input.reason ?? null,
    patch: input.patch ?? {},
    // The event carries the machine's assignment after the change; when a patch
    // clears it (release), the patch in the metadata says what was cleared.
    metadata: eventMetadata(input),
  }));
  const result = await tx.execute(sql`
    with v as (
      select * from jsonb_to_recordset(${JSON.stringify(records)}::jsonb) as v(
        id uuid, from_status text, to_status text, expected_version integer, reason text, patch jsonb, metadata jsonb)
    ), ${transitionCtes(event)}
    select ${TRANSITION_RESULT}`);
  return transitionBatchResult(resultRows<TransitionRows>(result)[0]);
}
