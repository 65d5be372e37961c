/** One strategy by id, as `visibleCluster` (a token's cluster; null: all) may see it; else not found. */
import type { ServiceCall } from "../context.ts";
import { findStrategy, scopedViews } from "./strategy-scope.ts";
import { type StrategyView, toStrategyView } from "./strategy-view.ts";

export interface GetStrategyInput {
  id: string;
  visibleCluster: string | null;
}

export async function getStrategy({ ctx, input }: ServiceCall<GetStrategyInput>): Promise<StrategyView> {
  const row = await findStrategy(ctx.db, input.id, input.visibleCluster);
  const [view] = await scopedViews(ctx.db, [toStrategyView(row)], input.visibleCluster);
  return view!;
}
