/**
 * Writes what an evaluation decided. The history row is unique by
 * (strategy, cluster, pool, run key), and it is written FIRST in each
 * transaction: a redelivered message (or two racing deliveries) finds it
 * there and writes nothing else, so no run ever creates a second order or
 * a second notification.
 *
 *  - order_created: the row, the order with its devices (createdBy
 *    "strategy:<id>"), the row's link to the order, the order's audit row
 *    (`order.create`, by the strategy) and its order.created outbox rows;
 *  - no_stock: the row and the stock.empty outbox rows;
 *  - anything else: the row alone.
 *
 * All of it in the caller's one transaction: a failure leaves nothing.
 */
import { eq, sql } from "drizzle-orm";
import type { Db } from "../../drizzle/client.ts";
import { resultRows } from "../../drizzle/drivers/rows.ts";
import { type EvaluationResult, type Order, strategyEvaluations } from "../../drizzle/schema/index.ts";
import { recordAudit } from "../services/audit/record-audit.ts";
import type { ServiceContext } from "../services/context.ts";
import { enqueueNotification } from "../services/notifications/enqueue-notification.ts";
import { notifyOrder, orderAudit } from "../services/orders/order-events.ts";
import { insertOrder } from "../services/orders/order-write.ts";
import type { Settlement } from "../services/strategies/evaluation/settle.ts";
import type { EvaluationInputs, StrategyTarget } from "./strategy-inputs.ts";

export interface EvaluationRow {
  result: EvaluationResult;
  reason: string;
  observed: object;
}

/**
 * The row's id, or null when this run already has its row.
 *
 * `durable: false` is for rows that record that nothing happened
 * (below_threshold, cooldown) written on their own: they commit without
 * waiting for the WAL flush (synchronous_commit off for this one
 * transaction, set inside the statement, which is its own transaction). The
 * daily run writes one per strategy and pool, and that flush was most of an
 * evaluation's time; an OS crash within a fraction of a second of the write
 * could lose such a row, never corrupt anything, and losing it loses no
 * decision (there was none to act on). Rows that act (orders, no_stock,
 * errors) always commit durably.
 */
export async function insertEvaluation(
  db: Db,
  target: StrategyTarget,
  row: EvaluationRow,
  now: Date,
  options: { durable: boolean } = { durable: true },
): Promise<string | null> {
  const relaxed = options.durable
    ? sql``
    : sql`with relaxed as (select set_config('synchronous_commit', 'off', true))`;
  const inserted = resultRows<{ id: string }>(
    await db.execute(sql`${relaxed}
      insert into strategy_evaluations (strategy_id, cluster_id, pool_id, run_key, result, reason, observed, created_at)
      select ${target.strategyId}::uuid, ${target.clusterId}::uuid, ${target.poolId}::uuid, ${target.runKey},
             ${row.result}, ${row.reason}, ${JSON.stringify(row.observed)}::jsonb, ${now.toISOString()}::timestamptz
      ${options.durable ? sql`` : sql`from relaxed`}
      on conflict do nothing
      returning id`),
  );
  return inserted[0]?.id ?? null;
}

/** The order a strategy creates is its own act: its audit row names the strategy. */
export const strategyActor = (strategyId: string) => `strategy:${strategyId}`;

export async function recordSettlement(
  tx: Db,
  ctx: ServiceContext,
  input: { target: StrategyTarget; inputs: EvaluationInputs; settlement: Settlement; now: Date },
): Promise<{ evaluationId: string; order: Order | null } | null> {
  const { target, inputs, settlement, now } = input;
  const evaluationId = await insertEvaluation(tx, target, settlement, now);
  if (evaluationId === null) return null;
  if (settlement.result === "no_stock") {
    await enqueueNotification(
      tx,
      {
        eventType: "stock.empty",
        // one alert per strategy, pool and run
        subjectId: `${target.strategyId}:${target.poolId}:${target.runKey}`,
        data: {
          strategyId: target.strategyId,
          strategyName: inputs.strategy.name,
          action: inputs.strategy.action,
          clusterId: target.clusterId,
          poolId: target.poolId,
          poolName: inputs.pool.name,
          runKey: target.runKey,
          reason: settlement.reason,
        },
      },
      now,
    );
  }
  if (settlement.result !== "order_created") return { evaluationId, order: null };

  const actor = strategyActor(target.strategyId);
  const machineIds = settlement.machines.map((m) => m.id);
  const { order } = await insertOrder(tx, {
    order: {
      clusterId: target.clusterId,
      poolId: target.poolId,
      strategyId: target.strategyId,
      action: inputs.strategy.action,
      reason: settlement.reason,
      createdBy: actor,
      triggerValue: settlement.triggerValue,
      threshold: settlement.threshold,
    },
    machineIds,
    now,
  });
  await tx
    .update(strategyEvaluations)
    .set({ orderId: order.id })
    .where(eq(strategyEvaluations.id, evaluationId));
  await recordAudit(
    tx,
    { ...ctx, actor },
    orderAudit("order.create", order, { machineIds, reason: order.reason, runKey: target.runKey }),
  );
  await notifyOrder(tx, "order.created", order, now);
  return { evaluationId, order };
}
