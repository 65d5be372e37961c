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

/** The row's id, or null when this run already has its row. */
export async function insertEvaluation(
  db: Db,
  target: StrategyTarget,
  row: EvaluationRow,
  now: Date,
): Promise<string | null> {
  const inserted = resultRows<{ id: string }>(
    await db.execute(sql`
      insert into strategy_evaluations (strategy_id, cluster_id, pool_id, run_key, result, reason, observed, created_at)
      values (${target.strategyId}::uuid, ${target.clusterId}::uuid, ${target.poolId}::uuid, ${target.runKey},
             ${row.result}, ${row.reason}, ${JSON.stringify(row.observed)}::jsonb, ${now.toISOString()}::timestamptz)
      on conflict do nothing
      returning id`),
  );
  return inserted[0]?.id ?? null;
}

/**
 * Many rows that decide nothing (below_threshold, cooldown), in ONE statement,
 * so one commit: all of them or none. A row whose run already has one is
 * left as it is (a redelivered batch writes nothing twice).
 */
export async function insertEvaluations(
  db: Db,
  rows: readonly { target: StrategyTarget; row: EvaluationRow }[],
  now: Date,
): Promise<void> {
  if (rows.length === 0) return;
  // one JSON parameter for the lot: a hundred rows bind one value, not eight hundred
  const values = rows.map(({ target, row }) => ({
    strategy_id: target.strategyId,
    cluster_id: target.clusterId,
    pool_id: target.poolId,
    run_key: target.runKey,
    result: row.result,
    reason: row.reason,
    observed: row.observed,
  }));
  await db.execute(sql`
    insert into strategy_evaluations (strategy_id, cluster_id, pool_id, run_key, result, reason, observed, created_at)
    select strategy_id, cluster_id, pool_id, run_key, result, reason, observed, ${now.toISOString()}::timestamptz
    from jsonb_to_recordset(${JSON.stringify(values)}::jsonb)
      as r(strategy_id uuid, cluster_id uuid, pool_id uuid, run_key text, result text, reason text, observed jsonb)
    on conflict do nothing`);
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
