import type { ServiceCall } from "../context.ts";
import { type ClusterView, liveCluster, toClusterViews } from "./cluster-view.ts";
import type { HealthThresholds } from "./health.ts";

export interface GetClusterInput {
  clusterId: string;
  thresholds: HealthThresholds;
}

/** One live cluster with its derived health and machine counts; deleted clusters are not found. */
export async function getCluster({ ctx, input }: ServiceCall<GetClusterInput>): Promise<ClusterView> {
  const row = await liveCluster(ctx.db, input.clusterId);
  const [view] = await toClusterViews(ctx.db, [row], ctx.clock.now(), input.thresholds);
  return view!;
}
