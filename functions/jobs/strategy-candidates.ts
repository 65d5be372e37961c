/**
 * The machines an order of a strategy could take.
 *
 *  - entry: free inventory (no cluster, available) the pool may be given
 *    (candidates.ts assignableTo: its hardware requirements, and no SSH
 *    identity scoped to another cluster);
 *  - exit: the pool's machines that are ready or available;
 *
 * and, either way, matching the template (the strategy's own entry or exit
 * template, else the enabled matching policy for the pool's type and the
 * action) AND the strategy's extra conditions, and in no open order.
 *
 * Order, which decides which machines the device count takes first:
 * entry oldest first (created_at, id), like POST /v1/device-query; exit
 * the pool's available machines first (they hold no workload and no Node),
 * then the newest ready ones (newest-first, as scale-down does).
 *
 * Two evaluations writing orders at once must not pick the same machines.
 * Evaluations drawing from the same stock (the free inventory for entry, one
 * pool's machines for exit) take a transaction-scoped advisory lock on it
 * first, so each one's query starts after the previous one committed and sees
 * its order's devices. Against other writers (a person's manual order, which
 * locks its machines' rows), the rows are locked FOR UPDATE SKIP LOCKED and
 * the open-order claims checked again after the lock, asking again when an
 * order committed in between.
 */
import { and, asc, desc, eq, inArray, isNull, notExists, type SQL, sql } from "drizzle-orm";
import type { Db } from "../../drizzle/client.ts";
import {
  machines,
  matchingPolicies,
  orderDevices,
  orders,
  type PoolAction,
  queryTemplates,
  type Strategy,
} from "../../drizzle/schema/index.ts";
import { AppError } from "../lib/errors.ts";
import { templateCondition } from "../services/device-query/compile.ts";
import type { QueryGroup } from "../services/device-query/template.ts";
import { assignableTo } from "../services/machines/candidates.ts";
import { openOrderClaims } from "../services/orders/open-orders.ts";
import { OPEN_ORDER_STATUSES } from "../services/orders/order-states.ts";
import type { CandidateMachine } from "../services/strategies/evaluation/types.ts";
import type { TargetPool } from "./strategy-inputs.ts";

/** Which template picks the machines, compiled with the extra conditions; or why there is none. */
export type CandidateFilter = { ok: true; condition: SQL; source: string } | { ok: false; reason: string };

const side = (action: PoolAction) => (action === "pool_entry" ? "entry" : "exit");

export async function candidateFilter(
  db: Db,
  strategy: Pick<Strategy, "action" | "entryTemplateId" | "exitTemplateId" | "extraConditions">,
  pool: TargetPool,
): Promise<CandidateFilter> {
  const templateId = strategy.action === "pool_entry" ? strategy.entryTemplateId : strategy.exitTemplateId;
  const columns = { name: queryTemplates.name, logic: queryTemplates.logic, groups: queryTemplates.groups };
  let template: { name: string; logic: "and" | "or"; groups: unknown } | undefined;
  let source: string;
  if (templateId !== null) {
    [template] = await db.select(columns).from(queryTemplates).where(eq(queryTemplates.id, templateId));
    source = `the strategy's ${side(strategy.action)} template`;
    // the foreign key restricts deletion, so this is a race with a delete at most
    if (!template) return { ok: false, reason: `${source} ${templateId} no longer exists` };
  } else {
    const noTemplate = `the strategy has no ${side(strategy.action)} template`;
    if (pool.poolType === null) {
      return {
        ok: false,
        reason: `${noTemplate} and pool ${pool.name} has no pool type, so no matching policy applies`,
      };
    }
    [template] = await db
      .select(columns)
      .from(matchingPolicies)
      .innerJoin(queryTemplates, eq(queryTemplates.id, matchingPolicies.templateId))
      .where(
        and(
          eq(matchingPolicies.poolType, pool.poolType),
          eq(matchingPolicies.action, strategy.action),
          eq(matchingPolicies.enabled, true),
        ),
      );
    if (!template) {
      return {
        ok: false,
        reason: `${noTemplate} and no enabled matching policy exists for pool type "${pool.poolType}" and ${strategy.action}`,
      };
    }
    source = `the matching policy for pool type "${pool.poolType}"`;
  }
  try {
    // stored templates and extra conditions were checked and made canonical when written
    const condition = templateCondition(
      { logic: template.logic, groups: template.groups as QueryGroup[] },
      strategy.extraConditions as QueryGroup[],
    );
    return { ok: true, condition, source: `${source} (template ${template.name})` };
  } catch (err) {
    if (err instanceof AppError) {
      return { ok: false, reason: `${source} (template ${template.name}) cannot be used: ${err.message}` };
    }
    throw err;
  }
}

const MAX_CANDIDATE_ROUNDS = 3;

async function claimedOf(tx: Db, rows: readonly { id: string }[]): Promise<Set<string>> {
  return new Set(
    (
      await openOrderClaims(
        tx,
        rows.map((r) => r.id),
      )
    ).map((c) => c.machineId),
  );
}

export async function findCandidates(
  tx: Db,
  input: { action: PoolAction; pool: TargetPool; condition: SQL; limit: number },
): Promise<CandidateMachine[]> {
  const inOpenOrder = tx
    .select({ one: sql`1` })
    .from(orderDevices)
    .innerJoin(orders, eq(orders.id, orderDevices.orderId))
    .where(and(eq(orderDevices.machineId, machines.id), inArray(orders.status, [...OPEN_ORDER_STATUSES])));
  const entry = input.action === "pool_entry";
  const where = entry
    ? and(
        isNull(machines.clusterId),
        eq(machines.status, "available"),
        assignableTo(input.pool),
        input.condition,
        notExists(inOpenOrder),
      )
    : and(
        eq(machines.poolId, input.pool.id),
        inArray(machines.status, ["ready", "available"]),
        input.condition,
        notExists(inOpenOrder),
      );
  const order = entry
    ? [asc(machines.createdAt), asc(machines.id)]
    : [sql`(${machines.status} <> 'available')`, desc(machines.createdAt), asc(machines.id)];
  const query = () =>
    tx
      .select({
        id: machines.id,
        hostname: machines.hostname,
        cpuCores: machines.cpuCores,
        memoryBytes: machines.memoryBytes,
        status: machines.status,
      })
      .from(machines)
      .where(where)
      .orderBy(...order)
      .limit(input.limit)
      .for("update", { skipLocked: true });
  const stock = entry ? "free-inventory" : `pool:${input.pool.id}`;
  // A custom plan for this transaction's statements: the query's parameters (the pool, its cluster,
  // the template's labels) decide which index pays, and a prepared statement's generic plan,
  // chosen blind to them after a few runs, scanned the whole machine table (tens of ms, under the lock).
  await tx.execute(sql`select pg_advisory_xact_lock(hashtext(${`ksp:order-candidates:${stock}`})),
    set_config('plan_cache_mode', 'force_custom_plan', true)`);
  let rows = await query();
  let claimed = await claimedOf(tx, rows);
  // An order that committed after the statement's snapshot was taken holds machines it still saw as
  // free; asking again (a new snapshot) finds the next ones. Bounded: each round sees more commits.
  for (let round = 1; claimed.size > 0 && round < MAX_CANDIDATE_ROUNDS; round++) {
    rows = await query();
    claimed = await claimedOf(tx, rows);
  }
  return rows
    .filter((r) => !claimed.has(r.id))
    .map((r) => ({
      id: r.id,
      hostname: r.hostname,
      cpuCores: r.cpuCores,
      memoryBytes: r.memoryBytes,
      // a ready machine is a Node of the pool; an available one is not in its figures
      inPoolFigures: r.status === "ready",
    }));
}
