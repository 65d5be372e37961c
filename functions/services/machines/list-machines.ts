/**
 * Lists machines, oldest first, with keyset pagination on (created_at, id)
 * and filters that AND together. Each single filter is served by an index
 * ending in (created_at, id) (see drizzle/schema/machines.ts), so a page
 * costs the same on page 1 and page 1,000. The cursor carries created_at at
 * microsecond precision as text: a JS Date would round it to milliseconds
 * and repeat or skip rows at page boundaries.
 */

import { and, asc, eq, ilike, inArray, isNull, or, type SQL, sql } from "drizzle-orm";
import type { Db } from "../../../drizzle/client.ts";
import { type Machine, machines } from "../../../drizzle/schema/index.ts";
import type { MachineState } from "../../../proto/machine-states.ts";
import type { ServiceCall } from "../context.ts";
import { microsText, positionFromCursor } from "../events/keyset.ts";
import { labelSelectorCondition, parseLabelSelector } from "../label-selector.ts";
import { likeContaining } from "../like.ts";
import { type Page, toPage } from "../pagination.ts";
import type { MachineScope } from "./machine-lookup.ts";

export interface ListMachinesInput {
  limit: number;
  cursor?: string | undefined;
  clusterId?: string | undefined;
  poolId?: string | undefined;
  /** any of these */
  statuses?: readonly MachineState[] | undefined;
  region?: string | undefined;
  zone?: string | undefined;
  labelSelector?: string | undefined;
  /** free text in hostname, IP address or node name */
  q?: string | undefined;
  /** true: only the free inventory; false: only assigned machines */
  unassigned?: boolean | undefined;
  scopeClusterId: MachineScope;
}

/** `%`, `_` and `\` in user text match themselves, never act as wildcards. */
function filters(input: ListMachinesInput): (SQL | undefined)[] {
  const conditions: (SQL | undefined)[] = [];
  if (input.scopeClusterId !== null) conditions.push(eq(machines.clusterId, input.scopeClusterId));
  if (input.clusterId) conditions.push(eq(machines.clusterId, input.clusterId));
  if (input.poolId) conditions.push(eq(machines.poolId, input.poolId));
  if (input.statuses && input.statuses.length > 0) {
    conditions.push(
      input.statuses.length === 1
        ? eq(machines.status, input.statuses[0]!)
        : inArray(machines.status, [...input.statuses]),
    );
  }
  if (input.region) conditions.push(eq(machines.region, input.region));
  if (input.zone) conditions.push(eq(machines.zone, input.zone));
  if (input.unassigned === true) conditions.push(isNull(machines.clusterId));
  if (input.unassigned === false) conditions.push(sql`${machines.clusterId} is not null`);
  if (input.labelSelector) {
    conditions.push(labelSelectorCondition(machines.labels, parseLabelSelector(input.labelSelector)));
  }
  if (input.q) {
    const pattern = likeContaining(input.q);
    conditions.push(
      or(
        ilike(machines.hostname, pattern),
        sql`host(${machines.ip}) ilike ${pattern}`,
        ilike(machines.nodeName, pattern),
      ),
    );
  }
  if (input.cursor) {
    const { at, id } = positionFromCursor(input.cursor);
    conditions.push(sql`(${machines.createdAt}, ${machines.id}) > (${at}::timestamptz, ${id}::uuid)`);
  }
  return conditions;
}

/** The page query, unexecuted: one more row than the page, to know whether another page follows. */
export function machinePageQuery(db: Db, input: ListMachinesInput) {
  return db
    .select({ machine: machines, at: microsText(machines.createdAt) })
    .from(machines)
    .where(and(...filters(input)))
    .orderBy(asc(machines.createdAt), asc(machines.id))
    .limit(input.limit + 1);
}

export async function listMachines({ ctx, input }: ServiceCall<ListMachinesInput>): Promise<Page<Machine>> {
  const rows = await machinePageQuery(ctx.db, input);
  return toPage(
    rows,
    input.limit,
    (r) => ({ at: r.at, id: r.machine.id }),
    (r) => r.machine,
  );
}
