/**
 * Creates a capacity strategy. The whole strategy is checked (strategy-rules:
 * a 400 naming the offending field), its templates and scope must exist (400
 * naming the field, e.g. `scope.clusterIds[1]`), and the row commits with its
 * audit row (`strategy.create`). A taken name is a 409.
 */
import { strategies } from "../../../drizzle/schema/index.ts";
import { recordAudit } from "../audit/record-audit.ts";
import type { ServiceCall } from "../context.ts";
import { canonicalGroups } from "../device-query/template.ts";
import { assertTemplatesExist } from "../matching-policies/template-ref.ts";
import { type NewStrategyInput, newStrategySettings } from "./strategy-input.ts";
import { checkStrategySettings } from "./strategy-rules.ts";
import { assertScopeExists } from "./strategy-scope.ts";
import { columnsOf, type StrategyView, strategyWriteError, toStrategyView } from "./strategy-view.ts";

export async function createStrategy({ ctx, input }: ServiceCall<NewStrategyInput>): Promise<StrategyView> {
  const checked = newStrategySettings(input);
  checkStrategySettings(checked);
  const settings = { ...checked, extraConditions: canonicalGroups(checked.extraConditions) };
  const now = ctx.clock.now();
  try {
    const row = await ctx.db.transaction(async (tx) => {
      await assertTemplatesExist(tx, {
        entryTemplateId: settings.entryTemplateId,
        exitTemplateId: settings.exitTemplateId,
      });
      await assertScopeExists(tx, settings.scope);
      const [inserted] = await tx
        .insert(strategies)
        .values({ ...columnsOf(settings), createdBy: ctx.actor, createdAt: now, updatedAt: now })
        .returning();
      await recordAudit(tx, ctx, {
        action: "strategy.create",
        resourceType: "strategy",
        resourceId: inserted!.id,
        changes: { ...settings },
      });
      return inserted!;
    });
    return toStrategyView(row);
  } catch (err) {
    throw strategyWriteError(err, settings);
  }
}
