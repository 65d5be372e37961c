/**
 * Deletes a strategy; unknown ids are not found. Its evaluation history goes
 * with it (cascade); its orders stay, no longer naming it (set null). The
 * deletion and its audit row (`strategy.delete`) commit together.
 */
import { eq } from "drizzle-orm";
import { strategies } from "../../../drizzle/schema/index.ts";
import { recordAudit } from "../audit/record-audit.ts";
import type { ServiceCall } from "../context.ts";
import { isUuid } from "../machines/ids.ts";
import { type StrategyView, strategyNotFound, toStrategyView } from "./strategy-view.ts";

export async function deleteStrategy({ ctx, input }: ServiceCall<{ id: string }>): Promise<StrategyView> {
  if (!isUuid(input.id)) throw strategyNotFound(input.id);
  const row = await ctx.db.transaction(async (tx) => {
    const [deleted] = await tx.delete(strategies).where(eq(strategies.id, input.id)).returning();
    if (!deleted) throw strategyNotFound(input.id);
    await recordAudit(tx, ctx, {
      action: "strategy.delete",
      resourceType: "strategy",
      resourceId: deleted.id,
      changes: { name: deleted.name },
    });
    return deleted;
  });
  return toStrategyView(row);
}
