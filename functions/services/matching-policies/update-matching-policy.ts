/**
 * Changes a matching policy: any of pool type, action, template and enabled
 * flag. The write is guarded by the version the policy was read at (with
 * `expectedVersion`, the caller's): a policy changed meanwhile is a 409
 * stale_version, and every update bumps the version. A template that does
 * not exist is a 400 naming templateId; a pool type and action another
 * policy has, a 409. The change and its audit row (`matching_policy.update`)
 * commit together.
 */
import { and, eq, sql } from "drizzle-orm";
import { matchingPolicies, type PoolAction } from "../../../drizzle/schema/index.ts";
import { AppError } from "../../lib/errors.ts";
import { recordAudit } from "../audit/record-audit.ts";
import type { ServiceCall } from "../context.ts";
import { checkPoolType } from "../pools/pool-type.ts";
import {
  checkPoolAction,
  findMatchingPolicy,
  type MatchingPolicyView,
  matchingPolicyWriteError,
  toMatchingPolicyView,
} from "./policy-view.ts";
import { assertTemplatesExist } from "./template-ref.ts";

export interface MatchingPolicyChanges {
  poolType?: string | undefined;
  action?: PoolAction | undefined;
  templateId?: string | undefined;
  enabled?: boolean | undefined;
}

export interface UpdateMatchingPolicyInput {
  id: string;
  changes: MatchingPolicyChanges;
  /** the version the caller read; absent: last writer wins */
  expectedVersion?: number | undefined;
}

export async function updateMatchingPolicy({
  ctx,
  input,
}: ServiceCall<UpdateMatchingPolicyInput>): Promise<MatchingPolicyView> {
  const { changes } = input;
  if (changes.poolType !== undefined) checkPoolType(changes.poolType, "poolType");
  if (changes.action !== undefined) checkPoolAction(changes.action);
  const set = Object.fromEntries(
    Object.entries(changes).filter(([, v]) => v !== undefined),
  ) as MatchingPolicyChanges;
  let merged = { poolType: "", action: "", templateId: "" };
  try {
    const row = await ctx.db.transaction(async (tx) => {
      const current = await findMatchingPolicy(tx, input.id);
      merged = { ...current, ...set };
      const expected = input.expectedVersion ?? current.version;
      if (current.version !== expected) throw stale(input.id, expected, current.version);
      await assertTemplatesExist(tx, { templateId: set.templateId });
      const [updated] = await tx
        .update(matchingPolicies)
        .set({ ...set, version: sql`${matchingPolicies.version} + 1`, updatedAt: ctx.clock.now() })
        .where(and(eq(matchingPolicies.id, current.id), eq(matchingPolicies.version, expected)))
        .returning();
      // changed (or deleted) between the read and the write
      if (!updated) throw stale(input.id, expected, null);
      await recordAudit(tx, ctx, {
        action: "matching_policy.update",
        resourceType: "matching_policy",
        resourceId: updated.id,
        changes: { ...set, version: updated.version },
      });
      return updated;
    });
    return toMatchingPolicyView(row);
  } catch (err) {
    throw matchingPolicyWriteError(err, merged);
  }
}

function stale(id: string, expected: number, actual: number | null): AppError {
  return new AppError(
    "stale_version",
    `matching policy ${id} ${actual === null ? "changed meanwhile" : `is at version ${actual}`}, not ${expected}; read it again and retry`,
    { policyId: id, expectedVersion: expected, actualVersion: actual },
  );
}
