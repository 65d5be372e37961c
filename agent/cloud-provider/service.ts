/**
 * The CloudProviderService behind Cluster Autoscaler's externalgrpc calls.
 * Reads answer from the store's current view (no I/O); the three mutations
 * live in their own files; Refresh kicks a sync but never waits long and
 * never fails, so a control-plane outage cannot stall CA's loop.
 */
import { encodeNode } from "../../proto/k8s-node.ts";
import type { Clock } from "../../shared/clock.ts";
import type { Logger } from "../../shared/logger.ts";
import type { ControlPlane } from "../control-plane/types.ts";
import type { Leadership } from "../leadership.ts";
import type { StateStore } from "../state/store.ts";
import { decreaseTargetSize } from "./decrease-target-size.ts";
import { deleteNodes } from "./delete-nodes.ts";
import { increaseSize } from "./increase-size.ts";
import { requireGroup, resolveNode } from "./lookup.ts";
import type { MutationDeps } from "./mutation-deps.ts";
import { overlayOptions } from "./options.ts";
import { nodePrice } from "./pricing.ts";
import { buildTemplateNode } from "./template-node.ts";
import type { CloudProviderService } from "./types.ts";

export const DEFAULT_GPU_LABEL = "nvidia.com/gpu.product";

export interface CloudProviderServiceDeps {
  store: StateStore;
  controlPlane: ControlPlane;
  leadership: Leadership;
  clock: Clock;
  logger: Logger;
  gpuLabel: string;
  /**
   * runs a sync (or joins the one running); resolves when it is done and never rejects.
   * `refresh`: Refresh's, which polls only when the sync loop's idle backoff says one is due.
   */
  sync(opts?: { refresh?: boolean }): Promise<void>;
  /** control-plane budget of one mutation; default 4 s (CA's grpc_timeout is 5 s) */
  mutationBudgetMs?: number;
  /** how long Refresh waits for its sync; default 500 ms */
  refreshWaitMs?: number;
}

export function createCloudProviderService(deps: CloudProviderServiceDeps): CloudProviderService {
  const { store } = deps;
  const refreshWaitMs = deps.refreshWaitMs ?? 500;
  const mutation: MutationDeps = {
    store,
    controlPlane: deps.controlPlane,
    leadership: deps.leadership,
    clock: deps.clock,
    logger: deps.logger,
    requestSync: () => void deps.sync(),
    budgetMs: deps.mutationBudgetMs ?? 4_000,
  };

  return {
    nodeGroups: () => store.view().nodeGroups.slice(),
    nodeGroupForNode: (node) => resolveNode(store.view(), node)?.pool.group ?? null,
    targetSize: (groupId) => requireGroup(store.view(), groupId).targetSize,
    increaseSize: (groupId, delta, deadline) => increaseSize(mutation, groupId, delta, deadline),
    deleteNodes: (groupId, nodes, deadline) => deleteNodes(mutation, groupId, nodes, deadline),
    decreaseTargetSize: (groupId, delta, deadline) => decreaseTargetSize(mutation, groupId, delta, deadline),
    nodes: (groupId) => requireGroup(store.view(), groupId).instances.map((i) => i.info),
    templateNodeInfo: (groupId) =>
      encodeNode(buildTemplateNode(requireGroup(store.view(), groupId), deps.gpuLabel, deps.clock.now())),
    getOptions: (groupId, defaults) =>
      overlayOptions(defaults, requireGroup(store.view(), groupId).pool.autoscalingOptions),
    gpuLabel: () => deps.gpuLabel,
    availableGpuTypes: () => [...store.view().gpuTypes],
    nodePrice: (node, start, end) => nodePrice(store.view(), node, start, end),
    async refresh() {
      let timer: NodeJS.Timeout | undefined;
      const waited = new Promise<void>((resolve) => {
        timer = setTimeout(resolve, refreshWaitMs);
      });
      await Promise.race([deps.sync({ refresh: true }).catch(() => undefined), waited]);
      clearTimeout(timer);
    },
    async cleanup() {},
  };
}
