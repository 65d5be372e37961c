import type { ServiceCall } from "../context.ts";
import { findPool, type PoolView, toPoolView } from "./pool-view.ts";

export interface GetPoolInput {
  clusterId: string;
  poolId: string;
  /** the caller may read the pool but not its hook scripts (viewers) */
  redactHooks?: boolean;
}

/** One pool of a live cluster. */
export async function getPool({ ctx, input }: ServiceCall<GetPoolInput>): Promise<PoolView> {
  return toPoolView(await findPool(ctx.db, input.clusterId, input.poolId), {
    redactHooks: input.redactHooks === true,
  });
}
