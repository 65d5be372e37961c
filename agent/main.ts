/**
 * Agent entry point and composition root: config → probe/metrics server →
 * credential (persisted, or registration) → control-plane client → core
 * (state sync + CloudProviderService) → the lifecycle (Node informer,
 * Kubernetes adapters, SSH, reconciler) → externalgrpc server. Every adapter
 * with a side effect is built here and in agent/composition/ (the lifecycle,
 * leader election, what outlives the process) and nowhere else, and each one
 * takes part in readiness and in the shutdown sequence (reverse order of start).
 */
import { VersionApi } from "@kubernetes/client-node";
import packageJson from "../package.json" with { type: "json" };
import { systemClock } from "../shared/clock.ts";
import { createLogger, type Logger } from "../shared/logger.ts";
import { maskSecrets } from "../shared/mask-secrets.ts";
import { obtainCredential } from "./bootstrap.ts";
import { createElection } from "./composition/election.ts";
import { type Lifecycle, startLifecycle, stopLifecycle } from "./composition/lifecycle.ts";
import { credentialStore, registrationToken, transitionQueuePersistence } from "./composition/stores.ts";
import { formatListenAddress } from "./config/values.ts";
import { type AgentConfig, agentHelpText, maskedAgentConfig, parseAgentConfig } from "./config.ts";
import { createHttpControlPlane } from "./control-plane/http-control-plane.ts";
import { registerAgent } from "./control-plane/register.ts";
import { type AgentCore, createAgentCore } from "./core.ts";
import { type GrpcServer, startGrpcServer } from "./grpc/server.ts";
import { type HealthServer, type Readiness, startHealthServer } from "./health.ts";
import { type HeartbeatLoop, startHeartbeatLoop } from "./heartbeat.ts";
import { kubeConfigIfAvailable } from "./kubernetes/kube-config.ts";
import { createResourceReads } from "./kubernetes/resource-reads.ts";
import { discoverKubernetesVersion } from "./kubernetes/version.ts";
import type { LeaseLeadership } from "./leader/lease-leadership.ts";
import { leaderReadiness } from "./leader/readiness.ts";
import { alwaysLeader, type Leadership } from "./leadership.ts";
import { createAgentMetrics } from "./metrics.ts";
import { type SnapshotLoop, startSnapshotLoop } from "./resources/snapshot-loop.ts";

const EXIT_OK = 0;
const EXIT_RUNTIME_FAILURE = 1;
const EXIT_BAD_CONFIG = 2;
/** One control-plane attempt; the overall budget per call (4 s) stays below CA's 5 s grpc_timeout. */
const CONTROL_PLANE_ATTEMPT_TIMEOUT_MS = 2_000;
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
      syncMaxIntervalMs: config.syncMaxIntervalMs,
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
