import type { App } from "../../../http/hono-env.ts";
import { registerCreateCluster } from "./create.ts";
import { registerDeleteCluster } from "./delete.ts";
import { registerGetCluster } from "./get.ts";
import { registerDeleteClusterKubeconfig } from "./kubeconfig-delete.ts";
import { registerPutClusterKubeconfig } from "./kubeconfig-put.ts";
import { registerListClusters } from "./list.ts";
import { registerRotateRegistrationToken } from "./rotate-registration-token.ts";
import { registerUpdateCluster } from "./update.ts";

/** Registers every /v1 clusters route (one route per file in this folder). */
export function registerClusterRoutes(app: App): void {
  registerCreateCluster(app);
  registerListClusters(app);
  registerGetCluster(app);
  registerUpdateCluster(app);
  registerRotateRegistrationToken(app);
  registerDeleteCluster(app);
  registerPutClusterKubeconfig(app);
  registerDeleteClusterKubeconfig(app);
}
