/**
 * Every pool change runs through here, one unit of work (unit-of-work.ts):
 * the change, an event for the pool's history, the request's audit row, and
 * the cluster's state version bump (agents see pool changes through it), all
 * committed together; the new version is published after the commit.
 */
import type { Db } from "../../../drizzle/client.ts";
import { operations } from "../../../drizzle/schema/index.ts";
import type { AuditEntry } from "../audit/audit-entry.ts";
import type { ServiceContext } from "../context.ts";
import { type ClusterWrite, withClusterWrite } from "../unit-of-work.ts";

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
  /** recorded even when nothing changed: the request happened and succeeded */
  audit: AuditEntry;
}

export async function writePool<T>(
  ctx: ServiceContext,
  clusterId: string,
  /** `write`: for writers that touch more than the pool (e.g. machines let go of a deleted pool) */
  work: (tx: Db, write: ClusterWrite) => Promise<PoolWrite<T>>,
): Promise<T> {
  return withClusterWrite(ctx, async (tx, write) => {
    const { result, event, audit } = await work(tx, write);
    write.audit(audit);
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
    write.touch(clusterId);
    return result;
  });
}
