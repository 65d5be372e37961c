/**
 * The import's database work, in as few round trips as possible: one query
 * finds the live machines holding the file's addresses, inserts and updates
 * go in batches of BATCH_SIZE rows per statement. Everything runs inside the
 * caller's transaction.
 */
import { and, ne, sql } from "drizzle-orm";
import type { Db } from "../../../drizzle/client.ts";
import { resultRows } from "../../../drizzle/drivers/rows.ts";
import { machines } from "../../../drizzle/schema/index.ts";
import { canonicalIp } from "../../../proto/machine-address.ts";
import { isIdentityField } from "../machines/identity.ts";
import { DESCRIPTIVE_FIELDS } from "./machine-fields.ts";
import type { ExistingMachine, RowPlan } from "./plan.ts";

export const BATCH_SIZE = 500;

type Created = Extract<RowPlan, { status: "created" }>;
type Updated = Extract<RowPlan, { status: "updated" }>;

function batches<T>(items: readonly T[]): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += BATCH_SIZE) out.push(items.slice(i, i + BATCH_SIZE));
  return out;
}

const existingColumns = {
  id: machines.id,
  ip: machines.ip,
  version: machines.version,
  clusterId: machines.clusterId,
  ...Object.fromEntries(DESCRIPTIVE_FIELDS.map((name) => [name, machines[name]])),
} as const;

/** Live (non-archived) machines holding any of the canonical addresses, keyed the same way. */
export async function findLiveByAddress(
  db: Db,
  addresses: readonly string[],
): Promise<Map<string, ExistingMachine>> {
  const found = new Map<string, ExistingMachine>();
  if (addresses.length === 0) return found;
  // one text parameter, whatever the driver; canonical addresses never contain a comma
  const list = addresses.join(",");
  const rows = (await db
    .select(existingColumns)
    .from(machines)
    .where(
      and(ne(machines.status, "archived"), sql`${machines.ip} = any(string_to_array(${list}, ',')::inet[])`),
    )) as ExistingMachine[];
  for (const row of rows) found.set(canonicalIp(row.ip) ?? row.ip, row);
  return found;
}

/** The SQL type of each descriptive column, for jsonb_to_recordset's column lists. */
const recordColumns = DESCRIPTIVE_FIELDS.map((name) => ({
  name,
  column: machines[name].name,
  type: machines[name].getSQLType(),
  // a field the row does not give gets the column's default, as a single create would
  fallback: (machines[name].default ?? null) as unknown,
}));

const recordDefinition = (leading: string[]) =>
  sql.raw([...leading, ...recordColumns.map(({ column, type }) => `"${column}" ${type}`)].join(", "));
const columnList = sql.raw(recordColumns.map(({ column }) => `"${column}"`).join(", "));
const recordValues = sql.raw(recordColumns.map(({ column }) => `v."${column}"`).join(", "));

/**
 * Who writes: recorded as the creator of new machines and as the setter of
 * the SSH identity of every machine whose identity fields the import writes,
 * with the token's cluster scope (null when unscoped; see machines/identity.ts).
 */
export interface ImportWriter {
  actor: string;
  scopeClusterId: string | null;
}

/**
 * Inserts the new machines, a batch per statement with the rows as one jsonb
 * parameter (cheap to build and to send, whatever the batch size). Returns
 * the ids by canonical address. An address taken meanwhile by a concurrent
 * writer is absent from the result (ON CONFLICT DO NOTHING): the caller
 * decides whether that fails everything.
 */
export async function insertMachines(
  tx: Db,
  rows: readonly Created[],
  assignment: { clusterId: string; poolId: string } | null,
  now: Date,
  writer: ImportWriter,
): Promise<Map<string, string>> {
  const ids = new Map<string, string>();
  const at = now.toISOString();
  for (const batch of batches(rows)) {
    const records = batch.map(({ machine }) => {
      const record: Record<string, unknown> = { ip: machine.ip };
      for (const { name, column, fallback } of recordColumns)
        record[column] = machine.values[name] ?? fallback;
      record.hostname = machine.hostname;
      return record;
    });
    const result = await tx.execute(sql`
      insert into ${machines} (ip, ${columnList}, cluster_id, pool_id, status, status_changed_at, created_at, updated_at,
                               created_by, origin_cluster_id, identity_set_by, identity_scope_cluster_id)
      select v.ip, ${recordValues}, ${assignment?.clusterId ?? null}::uuid, ${assignment?.poolId ?? null}::uuid,
             'available', ${at}::timestamptz, ${at}::timestamptz, ${at}::timestamptz,
             ${writer.actor}::text, ${assignment?.clusterId ?? null}::uuid, ${writer.actor}::text,
             ${writer.scopeClusterId}::uuid
        from jsonb_to_recordset(${JSON.stringify(records)}::jsonb) as v(${recordDefinition(["ip inet"])})
      on conflict (ip) where status <> 'archived' do nothing
      returning id, host(ip) as ip`);
    for (const row of resultRows<{ id: string; ip: string }>(result))
      ids.set(canonicalIp(row.ip) ?? row.ip, row.id);
  }
  return ids;
}

/**
 * Applies overwrites, each guarded by the version the plan read: a machine
 * changed (or archived) meanwhile is not touched and its id is absent from
 * the result. Status and assignment are never part of the update.
 */
export async function updateMachines(
  tx: Db,
  rows: readonly Updated[],
  now: Date,
  writer: ImportWriter,
): Promise<Set<string>> {
  const updated = new Set<string>();
  const assignments = sql.join(
    recordColumns.map(({ column }) => sql`${sql.identifier(column)} = v.${sql.identifier(column)}`),
    sql`, `,
  );
  for (const batch of batches(rows)) {
    const records = batch.map(({ existing, values }) => {
      const merged: Record<string, unknown> = {
        id: existing.id,
        version: existing.version,
        identity_changed: Object.keys(values).some(isIdentityField),
      };
      for (const { name, column } of recordColumns)
        merged[column] = name in values ? values[name] : existing[name];
      return merged;
    });
    const result = await tx.execute(sql`
      update ${machines} as m
         set ${assignments}, version = m.version + 1, updated_at = ${now.toISOString()}::timestamptz,
             identity_set_by = case when v.identity_changed then ${writer.actor}::text else m.identity_set_by end,
             identity_scope_cluster_id = case when v.identity_changed
               then coalesce(${writer.scopeClusterId}::uuid, m.identity_scope_cluster_id)
               else m.identity_scope_cluster_id end
        from jsonb_to_recordset(${JSON.stringify(records)}::jsonb) as v(${recordDefinition(["id uuid", "version integer", "identity_changed boolean"])})
       where m.id = v.id and m.version = v.version and m.status <> 'archived'
   returning m.id`);
    for (const row of resultRows<{ id: string }>(result)) updated.add(row.id);
  }
  return updated;
}
