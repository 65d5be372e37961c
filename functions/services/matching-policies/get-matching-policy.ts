/** One matching policy by id; unknown (or malformed) ids are not found. */
import type { ServiceCall } from "../context.ts";
import { findMatchingPolicy, type MatchingPolicyView, toMatchingPolicyView } from "./policy-view.ts";

export async function getMatchingPolicy({
  ctx,
  input,
}: ServiceCall<{ id: string }>): Promise<MatchingPolicyView> {
  return toMatchingPolicyView(await findMatchingPolicy(ctx.db, input.id));
}
