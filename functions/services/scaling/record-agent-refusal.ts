/**
 * A scale request the agent refused on its own (IncreaseSize past max,
 * DeleteNodes below min or of a node under maintenance), reported so the
 * pool's last decision tells it. The pool must be the caller's cluster's
 * (else not_found). Written under the pool's row lock, as allocations write
 * theirs, so identical reports coalesce into one event whoever sends them.
 */
import { and, eq } from "drizzle-orm";
import { nodePools } from "../../../drizzle/schema/index.ts";
import type { ScalingRefusalRequest, ScalingRefusalResponse } from "../../../proto/agent-api.ts";
import { AppError } from "../../lib/errors.ts";
import type { ServiceCall } from "../context.ts";
import { withDbErrors } from "../db-errors.ts";
import { recordScaleDecision } from "./record-scale-decision.ts";

export interface RecordAgentRefusalInput extends ScalingRefusalRequest {
  clusterId: string;
}

export async function recordAgentRefusal({
  ctx,
  input,
}: ServiceCall<RecordAgentRefusalInput>): Promise<ScalingRefusalResponse> {
  return withDbErrors(() =>
    ctx.db.transaction(async (tx) => {
      const [pool] = await tx
        .select({ id: nodePools.id })
        .from(nodePools)
        .where(and(eq(nodePools.id, input.poolId), eq(nodePools.clusterId, input.clusterId)))
        .for("update");
      if (!pool) throw new AppError("not_found", `pool ${input.poolId} not found`, { poolId: input.poolId });
      const repeats = await recordScaleDecision(tx, ctx, {
        direction: input.direction,
        clusterId: input.clusterId,
        poolId: pool.id,
        requested: input.requested,
        granted: 0,
        // typed ScalingReason[]: every code the agent may report must be one of ours, or this fails to compile
        reasons: input.reasons,
      });
      return { repeats };
    }),
  );
}
