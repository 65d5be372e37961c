/**
 * Turns a pool's autoscaling on or off. Idempotent: asking for the state the
 * pool is already in changes nothing (no event, no state version bump; the
 * request is audited all the same).
 */
import { eq } from "drizzle-orm";
import { nodePools } from "../../../drizzle/schema/index.ts";
import type { ServiceCall } from "../context.ts";
import { poolAudit } from "./pool-audit.ts";
import { findPool, type PoolView, toPoolView } from "./pool-view.ts";
import { writePool } from "./pool-write.ts";

export const POOL_ENABLED_EVENT = "pool.autoscaling_enabled";
export const POOL_DISABLED_EVENT = "pool.autoscaling_disabled";

export interface SetAutoscalingInput {
  clusterId: string;
  poolId: string;
  enabled: boolean;
}

export async function setAutoscaling({ ctx, input }: ServiceCall<SetAutoscalingInput>): Promise<PoolView> {
  return writePool(ctx, input.clusterId, async (tx) => {
    const current = await findPool(tx, input.clusterId, input.poolId, { lock: true });
    const audit = poolAudit(input.enabled ? "pool.enable" : "pool.disable", input.clusterId, current.id);
    if (current.autoscalingEnabled === input.enabled)
      return { result: toPoolView(current), event: null, audit };
    const [row] = await tx
      .update(nodePools)
      .set({ autoscalingEnabled: input.enabled, updatedAt: ctx.clock.now() })
      .where(eq(nodePools.id, current.id))
      .returning();
    return {
      result: toPoolView(row!),
      event: {
        kind: input.enabled ? POOL_ENABLED_EVENT : POOL_DISABLED_EVENT,
        poolId: current.id,
        metadata: { autoscalingEnabled: input.enabled },
      },
      audit,
    };
  });
}
