/**
 * A strategy's evaluations, newest first, keyset-paginated on (created_at,
 * id) descending; filters by cluster, pool and result. A scoped token must be
 * able to see the strategy (else not found) and sees only its cluster's rows.
 */
import { and, desc, eq, type SQL } from "drizzle-orm";
import { type EvaluationResult, strategyEvaluations } from "../../../drizzle/schema/index.ts";
import type { ServiceCall } from "../context.ts";
import { microsText, olderThan, positionFromCursor } from "../events/keyset.ts";
import { type CursorValues, type Page, toPage } from "../pagination.ts";
import { type EvaluationView, toEvaluationView } from "./evaluation-view.ts";
import { findStrategy } from "./strategy-scope.ts";

export interface ListStrategyHistoryInput {
  strategyId: string;
  limit: number;
  cursor?: string | undefined;
  clusterId?: string | undefined;
  poolId?: string | undefined;
  result?: EvaluationResult | undefined;
  /** a token's cluster; null: every cluster */
  visibleCluster: string | null;
}

export async function listStrategyHistory({
  ctx,
  input,
}: ServiceCall<ListStrategyHistoryInput>): Promise<Page<EvaluationView>> {
  const strategy = await findStrategy(ctx.db, input.strategyId, input.visibleCluster);
  const e = strategyEvaluations;
  const conditions: (SQL | undefined)[] = [eq(e.strategyId, strategy.id)];
  if (input.visibleCluster !== null) conditions.push(eq(e.clusterId, input.visibleCluster));
  if (input.clusterId !== undefined) conditions.push(eq(e.clusterId, input.clusterId));
  if (input.poolId !== undefined) conditions.push(eq(e.poolId, input.poolId));
  if (input.result !== undefined) conditions.push(eq(e.result, input.result));
  if (input.cursor) conditions.push(olderThan(e.createdAt, e.id, positionFromCursor(input.cursor)));
  const rows = await ctx.db
    .select({ evaluation: e, at: microsText(e.createdAt) })
    .from(e)
    .where(and(...conditions))
    .orderBy(desc(e.createdAt), desc(e.id))
    .limit(input.limit + 1);
  return toPage(
    rows,
    input.limit,
    (r): CursorValues => ({ at: r.at, id: r.evaluation.id }),
    (r) => toEvaluationView(r.evaluation),
  );
}
