/**
 * Every pool change runs through here: one transaction that makes the change,
 * records an event for the pool's history, and bumps the cluster's state
 * version LAST (agents see pool changes through it); the new version is
 * published only after the commit.
 */
import type { Db } from "../../../drizzle/client.ts";
import { operations } from "../../../drizzle/schema/index.ts";
import { bumpStateVersions, publishStateVersions } from "../clusters/state-version.ts";
import type { ServiceContext } from "../context.ts";

export interface PoolEvent {
  /** dotted, e.g. "pool.created" */
  kind: string;
  /** null when the pool is being deleted (the row would not outlive it anyway) */
  poolId: string | null;
  metadata: Record<string, unknown>;
}

export interface PoolWrite<T> {
  result: T;
  /** null: nothing changed, so no event and no state version bump */
  event: PoolEvent | null;
}

export async function writePool<T>(
  ctx: ServiceContext,
  clusterId: string,
  work: (tx: Db) => Promise<PoolWrite<T>>,
): Promise<T> {
  let versions = new Map<string, number>();
  const result = await ctx.db.transaction(async (tx) => {
    const { result, event } = await work(tx);
    if (event === null) return result;
    const now = ctx.clock.now();
    await tx.insert(operations).values({
      kind: event.kind,
      status: "succeeded",
      requestId: ctx.requestId,
      clusterId,
      poolId: event.poolId,
      metadata: { ...event.metadata, actor: ctx.actor },
      startedAt: now,
      endedAt: now,
    });
    versions = await bumpStateVersions(tx, [clusterId]);
    return result;
  });
  await publishStateVersions(ctx, versions);
  return result;
}
