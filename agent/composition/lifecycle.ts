/**
 * The machine lifecycle's part of the agent's composition root (main.ts):
 * the Node informer, the Kubernetes adapters, SSH, the reconciler and the
 * health checks, built once here and stopped in reverse order.
 */
import { CoreV1Api, type KubeConfig } from "@kubernetes/client-node";
import { systemClock } from "../../shared/clock.ts";
import type { Logger } from "../../shared/logger.ts";
import type { AgentConfig } from "../config.ts";
import { createHostKeyPins } from "../control-plane/host-key-pins.ts";
import type { createHttpControlPlane } from "../control-plane/http-control-plane.ts";
import type { AgentCore } from "../core.ts";
import { createLimiter } from "../execution/limiter.ts";
import { createSshMachineWork } from "../execution/ssh-machine-work.ts";
import { createHealthChecks } from "../health-checks/health-checks.ts";
import type { HealthChecks } from "../health-checks/types.ts";
import { createBootstrapTokens } from "../kubernetes/bootstrap-tokens.ts";
import { createClusterDiscovery } from "../kubernetes/cluster-discovery.ts";
import { createNodeEvents } from "../kubernetes/node-events.ts";
import { createNodeInformer } from "../kubernetes/node-informer.ts";
import { createNodeOperations } from "../kubernetes/node-operations.ts";
import type { NodeInformer } from "../kubernetes/types.ts";
import type { Leadership } from "../leadership.ts";
import type { AgentMetrics } from "../metrics.ts";
import { createReconciler, type Reconciler } from "../reconciler/reconciler.ts";
import { createSshConnector } from "../ssh/connector.ts";
import type { SshConnector } from "../ssh/types.ts";
import { createMachineKeys, type MachineKeys } from "./ssh-keys.ts";

/** SSH connections: two per host (a step's retry may overlap a dying connection), idle ones close after a minute. */
const SSH_SETTINGS = {
  maxPerHost: 2,
  idleTimeoutMs: 60_000,
  keepaliveIntervalMs: 15_000,
  connectTimeoutMs: 10_000,
};

/** The machine lifecycle's parts, started after the core and stopped before it. */
export interface Lifecycle {
  nodes: NodeInformer;
  reconciler: Reconciler;
  health: HealthChecks;
  connector: SshConnector;
  /** machines' SSH keys: mounted files, else stored keys held in memory while the machine is ours */
  keys: MachineKeys;
}

/**
 * Joining and removing machines needs the Kubernetes API (Nodes, tokens,
 * eviction) and SSH; the first Node list must succeed before the reconciler
 * decides anything, so a wrong kubeconfig fails the start instead of
 * misreading "no Nodes".
 */
export async function startLifecycle(
  config: AgentConfig,
  kubeConfig: KubeConfig,
  core: AgentCore,
  controlPlane: ReturnType<typeof createHttpControlPlane>,
  leadership: Leadership,
  metrics: AgentMetrics,
  logger: Logger,
): Promise<Lifecycle> {
  const coreV1 = kubeConfig.makeApiClient(CoreV1Api);
  const nodes = createNodeInformer(kubeConfig, { logger });
  await nodes.start();
  const connector = createSshConnector({ policy: config.lifecycle.hostKeyPolicy, logger, ...SSH_SETTINGS });
  const nodeOps = createNodeOperations(coreV1, { logger });
  const keys = createMachineKeys({ sshKeyDir: config.sshKeyDir, controlPlane, store: core.store, logger });
  const work = createSshMachineWork({
    connector,
    keys: keys.keys,
    hostKeys: createHostKeyPins(controlPlane, core.requestSync),
    limiter: createLimiter(config.lifecycle.sshConcurrency),
    metrics,
    logger,
    clock: systemClock,
  });
  // what the reconciler and the health checks both work with
  const shared = {
    store: core.store,
    controlPlane,
    nodes,
    nodeOps,
    work,
    leadership,
    clock: systemClock,
    logger,
    metrics,
    requestSync: core.requestSync,
  };
  const reconciler = createReconciler({
    ...shared,
    tokens: createBootstrapTokens(coreV1, { clock: systemClock, identity: leadership.identity(), logger }),
    discovery: createClusterDiscovery(coreV1, {
      ...(config.lifecycle.apiServerEndpoint ? { apiEndpoint: config.lifecycle.apiServerEndpoint } : {}),
      ...(config.lifecycle.caCertHash ? { caCertHash: config.lifecycle.caCertHash } : {}),
    }),
    tokenTtlMs: config.lifecycle.bootstrapTokenTtlMs,
    ...(core.queue ? { queue: core.queue } : {}),
  });
  await reconciler.start();
  // free machines probed over SSH, ready ones' Nodes watched, zombie Nodes caught (agent/health-checks/)
  const health = createHealthChecks({
    ...shared,
    events: createNodeEvents(coreV1, { identity: leadership.identity(), clock: systemClock, logger }),
    running: () => reconciler.running(),
  });
  health.start();
  return { nodes, reconciler, health, connector, keys };
}

/** `graceMs`: how long joins and removals in flight may finish before they are aborted. */
export async function stopLifecycle(lifecycle: Lifecycle | undefined, graceMs: number): Promise<void> {
  if (!lifecycle) return;
  await lifecycle.health.stop();
  await lifecycle.reconciler.stop({ graceMs });
  await lifecycle.nodes.stop();
  await lifecycle.connector.close();
  lifecycle.keys.stop();
}
