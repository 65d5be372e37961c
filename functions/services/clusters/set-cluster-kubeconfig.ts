/** PUT /v1/clusters/{c}/kubeconfig: store or replace the kubeconfig, answer the cluster as it now is. */
import type { ServiceCall } from "../context.ts";
import { type ClusterView, liveCluster, toClusterViews } from "./cluster-view.ts";
import type { HealthThresholds } from "./health.ts";
import { storeKubeconfig } from "./kubeconfig-store.ts";

export interface SetClusterKubeconfigInput {
  clusterId: string;
  kubeconfig: string;
  thresholds: HealthThresholds;
}

export async function setClusterKubeconfig({
  ctx,
  input,
}: ServiceCall<SetClusterKubeconfigInput>): Promise<ClusterView> {
  await storeKubeconfig({ ctx, input: { clusterId: input.clusterId, kubeconfig: input.kubeconfig } });
  const row = await liveCluster(ctx.db, input.clusterId);
  const [view] = await toClusterViews(ctx.db, [row], ctx.clock.now(), input.thresholds);
  return view!;
}
