/**
 * Changes a strategy: any field but its status (enable and disable are their
 * own transitions). The change is merged into the stored strategy and the
 * merge checked whole, as create checks a new one; templates and scope it
 * names must exist. The write is guarded by the version the strategy was
 * read at (with `expectedVersion`, the caller's): a strategy changed
 * meanwhile is a 409 stale_version; every update bumps the version. The
 * change and its audit row (`strategy.update`) commit together; a taken name
 * is a 409.
 */
import { and, eq, sql } from "drizzle-orm";
import { strategies } from "../../../drizzle/schema/index.ts";
import { recordAudit } from "../audit/record-audit.ts";
import type { ServiceCall } from "../context.ts";
import { canonicalGroups } from "../device-query/template.ts";
import { assertTemplatesExist } from "../matching-policies/template-ref.ts";
import { mergeStrategy, type StrategyChanges } from "./strategy-input.ts";
import { checkStrategySettings, type StrategySettings } from "./strategy-rules.ts";
import { assertScopeExists, findStrategy } from "./strategy-scope.ts";
import {
  columnsOf,
  type StrategyView,
  settingsOf,
  staleStrategy,
  strategyWriteError,
  toStrategyView,
} from "./strategy-view.ts";

export interface UpdateStrategyInput {
  id: string;
  changes: StrategyChanges;
  /** the version the caller read; absent: the version read here */
  expectedVersion?: number | undefined;
}

export async function updateStrategy({
  ctx,
  input,
}: ServiceCall<UpdateStrategyInput>): Promise<StrategyView> {
  const { changes } = input;
  let merged: StrategySettings | null = null;
  try {
    const row = await ctx.db.transaction(async (tx) => {
      const current = await findStrategy(tx, input.id, null);
      const next = mergeStrategy(settingsOf(current), changes);
      merged = next;
      checkStrategySettings(next);
      const expected = input.expectedVersion ?? current.version;
      if (current.version !== expected) throw staleStrategy(input.id, expected, current.version);
      await assertTemplatesExist(tx, {
        entryTemplateId: changes.entryTemplateId,
        exitTemplateId: changes.exitTemplateId,
      });
      if (changes.scope !== undefined) await assertScopeExists(tx, next.scope);
      const settings = { ...next, extraConditions: canonicalGroups(next.extraConditions) };
      const [updated] = await tx
        .update(strategies)
        .set({ ...columnsOf(settings), version: sql`${strategies.version} + 1`, updatedAt: ctx.clock.now() })
        .where(and(eq(strategies.id, current.id), eq(strategies.version, expected)))
        .returning();
      if (!updated) throw staleStrategy(input.id, expected, null);
      await recordAudit(tx, ctx, {
        action: "strategy.update",
        resourceType: "strategy",
        resourceId: updated.id,
        changes: { ...changes, version: updated.version },
      });
      return updated;
    });
    return toStrategyView(row);
  } catch (err) {
    throw strategyWriteError(
      err,
      merged ?? { name: changes.name ?? "", entryTemplateId: null, exitTemplateId: null },
    );
  }
}
