/**
 * Enables or disables a strategy, a guarded transition: the row changes only
 * while it is in the other status (and, with `expectedVersion`, at that
 * version). Asking for the status the strategy already has is a 409
 * illegal_transition, a changed version a 409 stale_version. The transition
 * bumps the version and commits with its audit row (`strategy.enable` /
 * `strategy.disable`).
 */
import { and, eq, sql } from "drizzle-orm";
import { type StrategyStatus, strategies } from "../../../drizzle/schema/index.ts";
import { AppError } from "../../lib/errors.ts";
import { recordAudit } from "../audit/record-audit.ts";
import type { ServiceCall } from "../context.ts";
import { isUuid } from "../machines/ids.ts";
import { type StrategyView, staleStrategy, strategyNotFound, toStrategyView } from "./strategy-view.ts";

export interface SetStrategyStatusInput {
  id: string;
  status: StrategyStatus;
  expectedVersion?: number | undefined;
}

export async function setStrategyStatus({
  ctx,
  input,
}: ServiceCall<SetStrategyStatusInput>): Promise<StrategyView> {
  if (!isUuid(input.id)) throw strategyNotFound(input.id);
  const from: StrategyStatus = input.status === "enabled" ? "disabled" : "enabled";
  const verb = input.status === "enabled" ? "enable" : "disable";
  const row = await ctx.db.transaction(async (tx) => {
    const [updated] = await tx
      .update(strategies)
      .set({ status: input.status, version: sql`${strategies.version} + 1`, updatedAt: ctx.clock.now() })
      .where(
        and(
          eq(strategies.id, input.id),
          eq(strategies.status, from),
          input.expectedVersion === undefined ? undefined : eq(strategies.version, input.expectedVersion),
        ),
      )
      .returning();
    if (!updated) {
      const [current] = await tx
        .select({ status: strategies.status, version: strategies.version })
        .from(strategies)
        .where(eq(strategies.id, input.id));
      if (!current) throw strategyNotFound(input.id);
      if (input.expectedVersion !== undefined && current.version !== input.expectedVersion) {
        throw staleStrategy(input.id, input.expectedVersion, current.version);
      }
      throw new AppError("illegal_transition", `strategy ${input.id} is already ${current.status}`, {
        strategyId: input.id,
        from: current.status,
        to: input.status,
      });
    }
    await recordAudit(tx, ctx, {
      action: `strategy.${verb}`,
      resourceType: "strategy",
      resourceId: updated.id,
      changes: { status: input.status, version: updated.version },
    });
    return updated;
  });
  return toStrategyView(row);
}
