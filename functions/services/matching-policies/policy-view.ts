/**
 * What the API shows of a matching policy, and the reads and rules the
 * policy services share. Policies are fleet-wide: no cluster scope applies.
 */
import { eq } from "drizzle-orm";
import type { Db } from "../../../drizzle/client.ts";
import {
  type MatchingPolicy,
  matchingPolicies,
  POOL_ACTIONS,
  type PoolAction,
} from "../../../drizzle/schema/index.ts";
import { AppError } from "../../lib/errors.ts";
import { isUuid } from "../machines/ids.ts";
import { templateReferenceError } from "./template-ref.ts";

const TYPE_ACTION_CONSTRAINT = "matching_policies_type_action_uq";
const TEMPLATE_CONSTRAINT = "matching_policies_template_id_query_templates_id_fk";

export interface MatchingPolicyView {
  id: string;
  poolType: string;
  action: PoolAction;
  templateId: string;
  enabled: boolean;
  version: number;
  createdBy: string | null;
  createdAt: string;
  updatedAt: string;
}

export function toMatchingPolicyView(row: MatchingPolicy): MatchingPolicyView {
  return {
    id: row.id,
    poolType: row.poolType,
    action: row.action,
    templateId: row.templateId,
    enabled: row.enabled,
    version: row.version,
    createdBy: row.createdBy,
    createdAt: row.createdAt.toISOString(),
    updatedAt: row.updatedAt.toISOString(),
  };
}

export function matchingPolicyNotFound(id: string): AppError {
  return new AppError("not_found", `matching policy ${id} not found`, { policyId: id });
}

/** The policy row, or not_found (a malformed id names nothing). */
export async function findMatchingPolicy(db: Db, id: string): Promise<MatchingPolicy> {
  if (!isUuid(id)) throw matchingPolicyNotFound(id);
  const [row] = await db.select().from(matchingPolicies).where(eq(matchingPolicies.id, id));
  if (!row) throw matchingPolicyNotFound(id);
  return row;
}

export const isPoolAction = (v: unknown): v is PoolAction => (POOL_ACTIONS as readonly unknown[]).includes(v);

export function checkPoolAction(value: unknown, path = "action"): asserts value is PoolAction {
  if (!isPoolAction(value)) {
    throw new AppError(
      "validation_failed",
      `${path}: ${JSON.stringify(value)} is not an action (one of ${POOL_ACTIONS.join(", ")})`,
      { path },
    );
  }
}

/**
 * A database error of a policy write as the client should see it: a second
 * policy for the same pool type and action is a 409, a template deleted
 * meanwhile a 400 naming templateId.
 */
export function matchingPolicyWriteError(
  err: unknown,
  policy: { poolType: string; action: string; templateId: string },
): unknown {
  const mapped = templateReferenceError(err, {
    [TEMPLATE_CONSTRAINT]: { path: "templateId", id: policy.templateId },
  });
  if (mapped?.details?.constraint === TYPE_ACTION_CONSTRAINT) {
    return new AppError(
      "conflict",
      `pool type ${policy.poolType} already has a ${policy.action} policy; change that one instead`,
      { poolType: policy.poolType, action: policy.action, constraint: TYPE_ACTION_CONSTRAINT },
    );
  }
  return mapped ?? err;
}
