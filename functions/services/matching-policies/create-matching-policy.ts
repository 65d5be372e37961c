/**
 * Creates a matching policy: for pools of `poolType`, the query template
 * that picks machines for `action`. The template must exist (400 naming
 * templateId); a second policy for the same type and action is a 409. The
 * row and its audit row (`matching_policy.create`) commit together.
 */
import { matchingPolicies, type PoolAction } from "../../../drizzle/schema/index.ts";
import { recordAudit } from "../audit/record-audit.ts";
import type { ServiceCall } from "../context.ts";
import { checkPoolType } from "../pools/pool-type.ts";
import {
  checkPoolAction,
  type MatchingPolicyView,
  matchingPolicyWriteError,
  toMatchingPolicyView,
} from "./policy-view.ts";
import { assertTemplatesExist } from "./template-ref.ts";

export interface CreateMatchingPolicyInput {
  poolType: string;
  action: PoolAction;
  templateId: string;
  enabled?: boolean | undefined;
}

export async function createMatchingPolicy({
  ctx,
  input,
}: ServiceCall<CreateMatchingPolicyInput>): Promise<MatchingPolicyView> {
  checkPoolType(input.poolType, "poolType");
  checkPoolAction(input.action);
  const enabled = input.enabled ?? true;
  const now = ctx.clock.now();
  try {
    const row = await ctx.db.transaction(async (tx) => {
      await assertTemplatesExist(tx, { templateId: input.templateId });
      const [inserted] = await tx
        .insert(matchingPolicies)
        .values({
          poolType: input.poolType,
          action: input.action,
          templateId: input.templateId,
          enabled,
          createdBy: ctx.actor,
          createdAt: now,
          updatedAt: now,
        })
        .returning();
      await recordAudit(tx, ctx, {
        action: "matching_policy.create",
        resourceType: "matching_policy",
        resourceId: inserted!.id,
        changes: { poolType: input.poolType, action: input.action, templateId: input.templateId, enabled },
      });
      return inserted!;
    });
    return toMatchingPolicyView(row);
  } catch (err) {
    throw matchingPolicyWriteError(err, input);
  }
}
