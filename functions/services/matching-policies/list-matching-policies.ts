/**
 * Lists matching policies, oldest first, keyset-paginated on (created_at,
 * id); filters by pool type, action and enabled flag.
 */
import { and, asc, eq, type SQL, sql } from "drizzle-orm";
import { matchingPolicies, type PoolAction } from "../../../drizzle/schema/index.ts";
import type { ServiceCall } from "../context.ts";
import { microsText, positionFromCursor } from "../events/keyset.ts";
import { type CursorValues, type Page, toPage } from "../pagination.ts";
import { type MatchingPolicyView, toMatchingPolicyView } from "./policy-view.ts";

export interface ListMatchingPoliciesInput {
  limit: number;
  cursor?: string | undefined;
  poolType?: string | undefined;
  action?: PoolAction | undefined;
  enabled?: boolean | undefined;
}

export async function listMatchingPolicies({
  ctx,
  input,
}: ServiceCall<ListMatchingPoliciesInput>): Promise<Page<MatchingPolicyView>> {
  const conditions: (SQL | undefined)[] = [];
  if (input.poolType !== undefined) conditions.push(eq(matchingPolicies.poolType, input.poolType));
  if (input.action !== undefined) conditions.push(eq(matchingPolicies.action, input.action));
  if (input.enabled !== undefined) conditions.push(eq(matchingPolicies.enabled, input.enabled));
  if (input.cursor) {
    const { at, id } = positionFromCursor(input.cursor);
    conditions.push(
      sql`(${matchingPolicies.createdAt}, ${matchingPolicies.id}) > (${at}::timestamptz, ${id}::uuid)`,
    );
  }
  const rows = await ctx.db
    .select({ policy: matchingPolicies, at: microsText(matchingPolicies.createdAt) })
    .from(matchingPolicies)
    .where(and(...conditions))
    .orderBy(asc(matchingPolicies.createdAt), asc(matchingPolicies.id))
    .limit(input.limit + 1);
  return toPage(
    rows,
    input.limit,
    (r): CursorValues => ({ at: r.at, id: r.policy.id }),
    (r) => toMatchingPolicyView(r.policy),
  );
}
