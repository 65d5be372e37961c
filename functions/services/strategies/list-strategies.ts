/**
 * Lists strategies, oldest first, keyset-paginated on (created_at, id);
 * filters by status, action and text in name or description. A scoped token
 * sees only the strategies that can act on its cluster (strategy-scope.ts).
 */
import { and, asc, eq, ilike, or, type SQL, sql } from "drizzle-orm";
import { type PoolAction, type StrategyStatus, strategies } from "../../../drizzle/schema/index.ts";
import type { ServiceCall } from "../context.ts";
import { microsText, positionFromCursor } from "../events/keyset.ts";
import { likeContaining } from "../like.ts";
import { type CursorValues, type Page, toPage } from "../pagination.ts";
import { actsOnCluster, scopedViews } from "./strategy-scope.ts";
import { type StrategyView, toStrategyView } from "./strategy-view.ts";

export interface ListStrategiesInput {
  limit: number;
  cursor?: string | undefined;
  status?: StrategyStatus | undefined;
  action?: PoolAction | undefined;
  q?: string | undefined;
  /** a token's cluster; null: every strategy */
  visibleCluster: string | null;
}

export async function listStrategies({
  ctx,
  input,
}: ServiceCall<ListStrategiesInput>): Promise<Page<StrategyView>> {
  const conditions: (SQL | undefined)[] = [];
  if (input.visibleCluster !== null) conditions.push(actsOnCluster(input.visibleCluster));
  if (input.status !== undefined) conditions.push(eq(strategies.status, input.status));
  if (input.action !== undefined) conditions.push(eq(strategies.action, input.action));
  if (input.q) {
    const pattern = likeContaining(input.q);
    conditions.push(or(ilike(strategies.name, pattern), ilike(strategies.description, pattern)));
  }
  if (input.cursor) {
    const { at, id } = positionFromCursor(input.cursor);
    conditions.push(sql`(${strategies.createdAt}, ${strategies.id}) > (${at}::timestamptz, ${id}::uuid)`);
  }
  const rows = await ctx.db
    .select({ strategy: strategies, at: microsText(strategies.createdAt) })
    .from(strategies)
    .where(and(...conditions))
    .orderBy(asc(strategies.createdAt), asc(strategies.id))
    .limit(input.limit + 1);
  const page = toPage(
    rows,
    input.limit,
    (r): CursorValues => ({ at: r.at, id: r.strategy.id }),
    (r) => toStrategyView(r.strategy),
  );
  return { ...page, items: await scopedViews(ctx.db, page.items, input.visibleCluster) };
}
