/**
 * Agent entry point and composition root: config → probe/metrics server →
 * credential (persisted, or registration) → control-plane client → core
 * (state sync + CloudProviderService) → the lifecycle (Node informer,
 * Kubernetes adapters, SSH, reconciler) → externalgrpc server. Every adapter
 * with a side effect is built here and nowhere else, and each one takes part
 * in readiness and in the shutdown sequence (reverse order of start).
 */
import { readFile } from "node:fs/promises";
import { CoordinationV1Api, CoreV1Api, type KubeConfig, VersionApi } from "@kubernetes/client-node";
import packageJson from "../package.json" with { type: "json" };
import { obtainCredential } from "./bootstrap.ts";
import { systemClock } from "./clock.ts";
import { formatListenAddress } from "./config/values.ts";
import { type AgentConfig, agentHelpText, maskedAgentConfig, parseAgentConfig } from "./config.ts";
import { type CredentialStore, createFileCredentialStore } from "./control-plane/credential-store.ts";
import { createHostKeyPins } from "./control-plane/host-key-pins.ts";
import { createHttpControlPlane } from "./control-plane/http-control-plane.ts";
import { registerAgent } from "./control-plane/register.ts";
import { createSecretCredentialStore } from "./control-plane/secret-credential-store.ts";
import { type AgentCore, createAgentCore } from "./core.ts";
import { AgentError } from "./errors.ts";
import { createLimiter } from "./execution/limiter.ts";
import { createSshMachineWork } from "./execution/ssh-machine-work.ts";
import { type GrpcServer, startGrpcServer } from "./grpc/server.ts";
import { type HealthServer, type Readiness, startHealthServer } from "./health.ts";
import { createHealthChecks } from "./health-checks/health-checks.ts";
import type { HealthChecks } from "./health-checks/types.ts";
import { type HeartbeatLoop, startHeartbeatLoop } from "./heartbeat.ts";
import { createBootstrapTokens } from "./kubernetes/bootstrap-tokens.ts";
import { createClusterDiscovery } from "./kubernetes/cluster-discovery.ts";
import { kubeConfigIfAvailable } from "./kubernetes/kube-config.ts";
import { createLeaseLock } from "./kubernetes/lease-lock.ts";
import { createNodeEvents } from "./kubernetes/node-events.ts";
import { createNodeInformer } from "./kubernetes/node-informer.ts";
import { createNodeOperations } from "./kubernetes/node-operations.ts";
import { createResourceReads } from "./kubernetes/resource-reads.ts";
import type { NodeInformer } from "./kubernetes/types.ts";
import { discoverKubernetesVersion } from "./kubernetes/version.ts";
import { createLeaseLeadership, type LeaseLeadership } from "./leader/lease-leadership.ts";
import { leaderReadiness } from "./leader/readiness.ts";
import { alwaysLeader, type Leadership } from "./leadership.ts";
import { createLogger, type Logger, maskSecrets } from "./log.ts";
import { type AgentMetrics, createAgentMetrics } from "./metrics.ts";
import { createReconciler, type Reconciler } from "./reconciler/reconciler.ts";
import { type SnapshotLoop, startSnapshotLoop } from "./resources/snapshot-loop.ts";
import { createSshConnector } from "./ssh/connector.ts";
import { createKeyDirStore } from "./ssh/key-store.ts";
import type { SshConnector } from "./ssh/types.ts";
import type { TransitionQueuePersistence } from "./state/transition-queue.ts";
import {
  createFileQueuePersistence,
  createSecretQueuePersistence,
  queueFileBeside,
} from "./state/transition-queue-store.ts";

const EXIT_OK = 0;
const EXIT_RUNTIME_FAILURE = 1;
const EXIT_BAD_CONFIG = 2;
/** One control-plane attempt; the overall budget per call (4 s) stays below CA's 5 s grpc_timeout. */
const CONTROL_PLANE_ATTEMPT_TIMEOUT_MS = 2_000;
/** SSH connections: two per host (a step's retry may overlap a dying connection), idle ones close after a minute. */
const SSH_SETTINGS = {
  maxPerHost: 2,
  idleTimeoutMs: 60_000,
  keepaliveIntervalMs: 15_000,
  connectTimeoutMs: 10_000,
};

/** The machine lifecycle's parts, started after the core and stopped before it. */
interface Lifecycle {
  nodes: NodeInformer;
  reconciler: Reconciler;
  health: HealthChecks;
  connector: SshConnector;
}

/**
 * Joining and removing machines needs the Kubernetes API (Nodes, tokens,
 * eviction) and SSH; the first Node list must succeed before the reconciler
 * decides anything, so a wrong kubeconfig fails the start instead of
 * misreading "no Nodes".
 */
async function startLifecycle(
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
  const work = createSshMachineWork({
    connector,
    keys: createKeyDirStore(config.sshKeyDir),
    hostKeys: createHostKeyPins(controlPlane, core.requestSync),
    limiter: createLimiter(config.lifecycle.sshConcurrency),
    metrics,
    logger,
    clock: systemClock,
  });
  const reconciler = createReconciler({
    store: core.store,
    controlPlane,
    nodes,
    nodeOps,
    tokens: createBootstrapTokens(coreV1, { clock: systemClock, identity: leadership.identity(), logger }),
    discovery: createClusterDiscovery(coreV1, {
      ...(config.lifecycle.apiServerEndpoint ? { apiEndpoint: config.lifecycle.apiServerEndpoint } : {}),
      ...(config.lifecycle.caCertHash ? { caCertHash: config.lifecycle.caCertHash } : {}),
    }),
    work,
    leadership,
    clock: systemClock,
    logger,
    metrics,
    requestSync: core.requestSync,
    tokenTtlMs: config.lifecycle.bootstrapTokenTtlMs,
    ...(core.queue ? { queue: core.queue } : {}),
  });
  await reconciler.start();
  // free machines probed over SSH, ready ones' Nodes watched, zombie Nodes caught (agent/health-checks/)
  const health = createHealthChecks({
    store: core.store,
    controlPlane,
    nodes,
    nodeOps,
    events: createNodeEvents(coreV1, { identity: leadership.identity(), clock: systemClock, logger }),
    work,
    leadership,
    clock: systemClock,
    logger,
    metrics,
    requestSync: core.requestSync,
    running: () => reconciler.running(),
  });
  health.start();
  return { nodes, reconciler, health, connector };
}

/** Leader election over the configured Lease: only the replica holding it changes the cluster. */
function createElection(
  config: AgentConfig,
  kubeConfig: KubeConfig,
  metrics: AgentMetrics,
  logger: Logger,
): LeaseLeadership {
  const { lease } = config;
  return createLeaseLeadership({
    lock: createLeaseLock(kubeConfig.makeApiClient(CoordinationV1Api), {
      namespace: lease.namespace,
      name: lease.name,
    }),
    identity: lease.identity,
    clock: systemClock,
    logger,
    metrics,
    durations: {
      leaseDurationMs: lease.durationMs,
      renewDeadlineMs: lease.renewDeadlineMs,
      retryPeriodMs: lease.retryPeriodMs,
    },
  });
}

interface Agent {
  start(): Promise<void>;
  /** rejects when the agent cannot go on serving (e.g. its registration token was refused) */
  readonly failed: Promise<never>;
  stop(): Promise<void>;
}

function isLoopback(url: string): boolean {
  const host = new URL(url).hostname;
  return host === "localhost" || host === "::1" || host === "[::1]" || host.startsWith("127.");
}

/** A Secret when one is named (in a cluster), else the file. */
function credentialStore(config: AgentConfig, kubeConfig: KubeConfig | null): CredentialStore {
  if (config.credentialSecret === null) return createFileCredentialStore(config.credentialFile);
  if (kubeConfig === null) {
    throw new AgentError(
      "failed_precondition",
      "--credential-secret needs the Kubernetes API: run in a pod or set --kubeconfig",
    );
  }
  const secrets = kubeConfig.makeApiClient(CoreV1Api);
  return createSecretCredentialStore(secrets, {
    namespace: config.lease.namespace,
    name: config.credentialSecret,
  });
}

/** Transition reports queued during a control-plane outage are kept beside the credential. */
function transitionQueuePersistence(
  config: AgentConfig,
  kubeConfig: KubeConfig | null,
): TransitionQueuePersistence {
  if (config.credentialSecret === null || kubeConfig === null) {
    return createFileQueuePersistence(queueFileBeside(config.credentialFile));
  }
  return createSecretQueuePersistence(kubeConfig.makeApiClient(CoreV1Api), {
    namespace: config.lease.namespace,
    name: config.credentialSecret,
  });
}

async function registrationToken(config: AgentConfig): Promise<string | null> {
  if (config.registration.token !== null) return config.registration.token;
  if (config.registration.tokenFile === null) return null;
  const text = (await readFile(config.registration.tokenFile, "utf8")).trim();
  return text === "" ? null : text;
}

function buildAgent(config: AgentConfig, logger: Logger): Agent {
  const metrics = createAgentMetrics();
  const stopping = new AbortController();
  let notReady = "not registered";
  let core: AgentCore | undefined;
  let heartbeat: HeartbeatLoop | undefined;
  let snapshots: SnapshotLoop | undefined;
  let lifecycle: Lifecycle | undefined;
  /** undefined without a Kubernetes API: then this replica leads alone */
  let election: LeaseLeadership | undefined;
  let grpc: GrpcServer | undefined;
  let health: HealthServer | undefined;
  let running: Promise<void> | undefined;

  let fail: (err: unknown) => void = () => {};
  const failed = new Promise<never>((_, reject) => {
    fail = reject;
  });
  failed.catch(() => {}); // observed by main(); this only keeps Node from calling it unhandled meanwhile
  // Ready only once the gRPC port is open too, so the Service never routes CA to a closed port;
  // and only on the leader, so the Service routes CA to the replica that may act on what it asks.
  const readiness = (): Readiness => {
    if (!(core && grpc)) return { ready: false, reason: notReady };
    return election ? leaderReadiness(core.readiness(), election) : core.readiness();
  };

  /** Registration may wait on the control plane for a long time; the probe server is up meanwhile. */
  async function run(): Promise<void> {
    const kubeConfig = kubeConfigIfAvailable(config.kubeconfig, process.env);
    const kubernetesVersion = await discoverKubernetesVersion(
      kubeConfig?.makeApiClient(VersionApi) ?? null,
      logger,
    );
    const credential = await obtainCredential({
      store: credentialStore(config, kubeConfig),
      registrationToken: () => registrationToken(config),
      register: (token) =>
        registerAgent({
          baseUrl: config.controlPlaneUrl,
          registrationToken: token,
          clusterName: config.cluster,
          agentVersion: packageJson.version,
          kubernetesVersion,
        }),
      logger,
      signal: stopping.signal,
    });
    if (stopping.signal.aborted) return;
    const controlPlane = createHttpControlPlane({
      baseUrl: config.controlPlaneUrl,
      credential: () => credential.credential,
      timeoutMs: CONTROL_PLANE_ATTEMPT_TIMEOUT_MS,
    });
    notReady = "loading state from the control plane";
    election = kubeConfig === null ? undefined : createElection(config, kubeConfig, metrics, logger);
    const leadership: Leadership = election ?? alwaysLeader(config.lease.identity);
    const created = createAgentCore({
      controlPlane,
      clock: systemClock,
      logger,
      leadership,
      gpuLabel: config.gpuLabel,
      syncIntervalMs: config.syncIntervalMs,
      transitionQueue: { persistence: transitionQueuePersistence(config, kubeConfig), metrics },
    });
    core = created;
    await created.start();
    if (stopping.signal.aborted) return;
    if (kubeConfig === null) {
      logger.warn(
        "no Kubernetes API (no --kubeconfig and not in a pod): serving Cluster Autoscaler, but machines " +
          "will not be joined or removed",
      );
    } else {
      // before the lifecycle: the reconciler acts only as leader, and cleans up when it becomes one
      await election?.start();
      if (stopping.signal.aborted) return;
      notReady = "listing the cluster's Nodes";
      lifecycle = await startLifecycle(
        config,
        kubeConfig,
        created,
        controlPlane,
        leadership,
        metrics,
        logger,
      );
      if (stopping.signal.aborted) return;
    }
    const nodes = lifecycle?.nodes;
    heartbeat = startHeartbeatLoop({
      controlPlane,
      logger,
      leadership,
      agentVersion: packageJson.version,
      kubernetesVersion,
      nodeCounts: () => {
        const all = nodes?.list() ?? [];
        return { total: all.length, ready: all.filter((n) => n.ready).length };
      },
    });
    // the cluster's resource figures, pushed by the leader; without a Kubernetes API there is nothing to measure
    if (kubeConfig !== null && nodes) {
      snapshots = startSnapshotLoop({
        controlPlane,
        leadership,
        nodes,
        store: created.store,
        reads: createResourceReads(kubeConfig),
        clock: systemClock,
        logger,
        intervalMs: config.snapshotIntervalMs,
      });
    }
    notReady = "starting the gRPC server";
    grpc = await startGrpcServer({
      listen: config.grpc.listen,
      tls: config.grpc.tls,
      service: created.service,
      metrics,
      logger,
      // the standard gRPC health check agrees with /readyz: a standby is NOT_SERVING
      health: () => readiness().ready,
    });
  }

  return {
    failed,
    async start() {
      health = await startHealthServer({
        listen: config.healthListen,
        readiness,
        logger,
        metrics: {
          contentType: metrics.contentType,
          render: async () => {
            if (core) metrics.setPoolGauges(core.metrics());
            return metrics.render();
          },
        },
      });
      logger.info("health server listening", { address: formatListenAddress(health.address) });
      running = run().catch((err: unknown) => {
        if (!stopping.signal.aborted) fail(err);
      });
    },
    async stop() {
      stopping.abort(new Error("agent stopping"));
      await grpc?.close();
      await heartbeat?.stop();
      await snapshots?.stop();
      await stopLifecycle(lifecycle, config.lifecycle.shutdownGraceMs);
      // after the reconciler's work in flight ended: released, the standby takes over at its next poll
      await election?.stop();
      await core?.stop();
      await running;
      // Parts that finished starting after the abort are stopped too.
      await grpc?.close();
      await heartbeat?.stop();
      await snapshots?.stop();
      await stopLifecycle(lifecycle, config.lifecycle.shutdownGraceMs);
      await election?.stop();
      await health?.close();
    },
  };
}

/** `graceMs`: how long joins and removals in flight may finish before they are aborted. */
async function stopLifecycle(lifecycle: Lifecycle | undefined, graceMs: number): Promise<void> {
  if (!lifecycle) return;
  await lifecycle.health.stop();
  await lifecycle.reconciler.stop({ graceMs });
  await lifecycle.nodes.stop();
  await lifecycle.connector.close();
}

/** Resolves on the first SIGTERM or SIGINT; a second one means "stop waiting for a clean shutdown". */
function shutdownSignal(logger: Logger): Promise<NodeJS.Signals> {
  return new Promise((resolve) => {
    const onSignal = (signal: NodeJS.Signals) => {
      process.once(signal, () => process.exit(EXIT_RUNTIME_FAILURE));
      logger.info("shutdown requested", { signal });
      resolve(signal);
    };
    process.once("SIGTERM", onSignal);
    process.once("SIGINT", onSignal);
  });
}

async function main(argv: string[], env: NodeJS.ProcessEnv): Promise<number> {
  if (argv.includes("--help") || argv.includes("-h")) {
    process.stdout.write(agentHelpText());
    return EXIT_OK;
  }
  if (argv.includes("--version")) {
    process.stdout.write(`ksp-agent ${packageJson.version}\n`);
    return EXIT_OK;
  }
  const parsed = parseAgentConfig(argv, env);
  if (!parsed.ok) {
    for (const error of parsed.errors) process.stderr.write(`invalid config: ${error}\n`);
    process.stderr.write("run with --help for the list of settings\n");
    return EXIT_BAD_CONFIG;
  }
  const config = parsed.config;
  const logger = createLogger({
    level: config.logLevel,
    base: { component: "agent", cluster: config.cluster },
  });
  logger.info("agent starting", { version: packageJson.version, config: maskedAgentConfig(config) });
  if (!config.controlPlaneUrl.startsWith("https:") && !isLoopback(config.controlPlaneUrl)) {
    logger.warn("control plane URL is not https; tokens would cross the network in clear text");
  }
  const agent = buildAgent(config, logger);
  const stopped = shutdownSignal(logger);
  try {
    await agent.start();
  } catch (err) {
    logger.error("agent failed to start", { err });
    await agent.stop();
    return EXIT_RUNTIME_FAILURE;
  }
  // A start-up failure (refused token, port taken) ends the process, so Kubernetes shows it and restarts it.
  const outcome = await Promise.race([stopped, agent.failed.catch((err: unknown) => err)]);
  await agent.stop();
  if (typeof outcome !== "string") {
    logger.error("agent cannot serve; stopped", { err: outcome });
    return EXIT_RUNTIME_FAILURE;
  }
  logger.info("agent stopped");
  return EXIT_OK;
}

main(process.argv.slice(2), process.env).then(
  (code) => process.exit(code),
  (err: unknown) => {
    process.stderr.write(`fatal: ${String(maskSecrets(err instanceof Error ? err.message : String(err)))}\n`);
    process.exit(EXIT_RUNTIME_FAILURE);
  },
);
