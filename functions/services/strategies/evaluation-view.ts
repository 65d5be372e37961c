/** What the API shows of one evaluation of a strategy (GET /v1/strategies/{id}/history). */
import type { EvaluationResult, StrategyEvaluation } from "../../../drizzle/schema/index.ts";

export interface EvaluationView {
  id: string;
  strategyId: string;
  clusterId: string;
  poolId: string;
  /** the scheduled run (the UTC day) */
  runKey: string;
  result: EvaluationResult;
  /** what the evaluation saw: utilisation per day, the run length, candidates, the device count */
  observed: Record<string, unknown>;
  reason: string;
  orderId: string | null;
  createdAt: string;
}

export function toEvaluationView(row: StrategyEvaluation): EvaluationView {
  return {
    id: row.id,
    strategyId: row.strategyId,
    clusterId: row.clusterId,
    poolId: row.poolId,
    runKey: row.runKey,
    result: row.result,
    observed: row.observed,
    reason: row.reason,
    orderId: row.orderId,
    createdAt: row.createdAt.toISOString(),
  };
}
