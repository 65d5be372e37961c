/**
 * A scale decision as one event in `operations` (kind pool.scale_up or
 * pool.scale_down), written in the transaction that made or received the
 * decision, while it holds the pool row FOR UPDATE (reserve-machines.ts for
 * an allocation, record-agent-refusal.ts for a refusal the agent reports):
 * what was asked, what was granted, and why not more.
 *
 * Bounded: Cluster Autoscaler retries a refused scale-up every loop (10 s by
 * default) for as long as the obstacle lasts, which would be 8,640 identical
 * rows a day per pool. A refusal identical to the pool's latest decision
 * (same request size, same reason codes and requirements, scale-reasons.ts's
 * decisionSignature) updates that row instead: `repeats` grows and
 * `lastSeenAt` moves, the reasons' counts are refreshed. Coalescing keeps the
 * story ("refused since 09:00, 340 times") where a per-pool rate limit would
 * drop the most recent attempt. Any other decision (a grant, another reason)
 * starts a new row, so the history still shows every change of story. The
 * pool lock makes read-then-update race-free between concurrent requests.
 */
import { and, desc, eq, sql } from "drizzle-orm";
import type { Db } from "../../../drizzle/client.ts";
import { operations } from "../../../drizzle/schema/index.ts";
import type { ServiceContext } from "../context.ts";
import {
  decisionSignature,
  outcomeOf,
  SCALE_DOWN_EVENT,
  SCALE_UP_EVENT,
  type ScalingOutcome,
  type ScalingReason,
} from "./scale-reasons.ts";

export interface ScaleDecision {
  direction: "up" | "down";
  clusterId: string;
  poolId: string;
  requested: number;
  granted: number;
  reasons: ScalingReason[];
  /** the agent's allocation request id, for an allocation */
  allocationRequestId?: string;
}

/** What the event's metadata holds; pool-scaling.ts reads it back. */
export interface ScaleDecisionMetadata {
  direction: "up" | "down";
  requested: number;
  granted: number;
  outcome: ScalingOutcome;
  reasons: ScalingReason[];
  /** how many times this very decision was taken in a row (coalesced refusals) */
  repeats: number;
  firstSeenAt: string;
  lastSeenAt: string;
  allocationRequestId?: string;
  actor: string;
}

export const scaleEventKind = (direction: "up" | "down") =>
  direction === "up" ? SCALE_UP_EVENT : SCALE_DOWN_EVENT;

/** Returns how many times in a row this decision has now been taken (1: a new event). */
export async function recordScaleDecision(
  tx: Db,
  ctx: ServiceContext,
  decision: ScaleDecision,
): Promise<number> {
  const kind = scaleEventKind(decision.direction);
  const now = ctx.clock.now();
  const at = now.toISOString();
  const outcome = outcomeOf(decision.requested, decision.granted);
  if (outcome === "refused") {
    const [latest] = await tx
      .select({ id: operations.id, metadata: operations.metadata })
      .from(operations)
      .where(and(eq(operations.poolId, decision.poolId), eq(operations.kind, kind)))
      .orderBy(desc(operations.createdAt), desc(operations.id))
      .limit(1);
    const previous = latest?.metadata as Partial<ScaleDecisionMetadata> | undefined;
    if (latest && previous && isSameRefusal(previous, decision)) {
      const repeats = (previous.repeats ?? 1) + 1;
      const patch = {
        repeats,
        lastSeenAt: at,
        reasons: decision.reasons,
        ...(decision.allocationRequestId ? { allocationRequestId: decision.allocationRequestId } : {}),
      };
      await tx
        .update(operations)
        .set({
          metadata: sql`${operations.metadata} || ${JSON.stringify(patch)}::jsonb`,
          error: decision.reasons[0]?.message ?? null,
          endedAt: now,
        })
        .where(eq(operations.id, latest.id));
      return repeats;
    }
  }
  const metadata: ScaleDecisionMetadata = {
    direction: decision.direction,
    requested: decision.requested,
    granted: decision.granted,
    outcome,
    reasons: decision.reasons,
    repeats: 1,
    firstSeenAt: at,
    lastSeenAt: at,
    ...(decision.allocationRequestId ? { allocationRequestId: decision.allocationRequestId } : {}),
    actor: ctx.actor,
  };
  await tx.insert(operations).values({
    kind,
    status: outcome === "refused" ? "failed" : "succeeded",
    requestId: ctx.requestId,
    clusterId: decision.clusterId,
    poolId: decision.poolId,
    delta: decision.direction === "up" ? decision.requested : -decision.requested,
    error: outcome === "refused" ? (decision.reasons[0]?.message ?? null) : null,
    metadata: metadata as unknown as Record<string, unknown>,
    startedAt: now,
    endedAt: now,
  });
  return 1;
}

function isSameRefusal(previous: Partial<ScaleDecisionMetadata>, decision: ScaleDecision): boolean {
  return (
    previous.outcome === "refused" &&
    typeof previous.requested === "number" &&
    Array.isArray(previous.reasons) &&
    decisionSignature(previous.requested, previous.reasons) ===
      decisionSignature(decision.requested, decision.reasons)
  );
}
