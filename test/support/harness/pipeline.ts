/**
 * Runs the built-in pipelines on real sshd test hosts through the real SSH
 * connector and engine, capturing every log line and streamed result so tests
 * can look for leaked secrets.
 */

import { runPipeline } from "../../../agent/pipeline/engine.ts";
import type { HostResult, Pipeline, StepResult } from "../../../agent/pipeline/types.ts";
import { createSshConnector } from "../../../agent/ssh/connector.ts";
import type { SshConnector, SshTarget } from "../../../agent/ssh/types.ts";
import { createLogger } from "../../../shared/logger.ts";
import {
  CLUSTER_CA_CERT_HASH,
  createBootstrapToken,
  type KubeApiServer,
  startKubeApiServer,
} from "../kube-api/index.ts";
import type { TestHost } from "../ssh-hosts/index.ts";

export const TOKEN = "q7x2kd.9f8e7d6c5b4a3f2e";
/** The stand-in cluster's CA pin: the fake kubeadm refuses any other. */
export const CA_HASH = CLUSTER_CA_CERT_HASH;
/** The CA pin of some other cluster. */
export const OTHER_CA_HASH = `sha256:${"0f1e2d3c".repeat(8)}`;

/**
 * The API server the hosts join: the fake kubeadm discovers it through
 * cluster-info and checks TOKEN against its bootstrap-token Secret.
 */
export async function startCluster(): Promise<KubeApiServer> {
  const kube = await startKubeApiServer();
  createBootstrapToken(kube.store, TOKEN);
  return kube;
}

export function target(host: TestHost): SshTarget {
  return {
    host: host.address,
    port: host.port,
    username: host.username,
    key: host.privateKey,
    pinnedFingerprint: host.hostKeyFingerprint,
  };
}

export interface Run {
  results: HostResult[];
  streamed: StepResult[];
  logs: string[];
}

export interface PipelineRunner {
  run(
    pipeline: Pipeline,
    hosts: { host: TestHost; values: Record<string, unknown> }[],
    extra?: object,
  ): Promise<Run>;
  close(): Promise<void>;
}

export function pipelineRunner(): PipelineRunner {
  const logs: string[] = [];
  const logger = createLogger({ level: "debug", sink: (line) => logs.push(line) });
  const connector: SshConnector = createSshConnector({
    policy: "require-known",
    maxPerHost: 2,
    idleTimeoutMs: 30_000,
    keepaliveIntervalMs: 5_000,
    connectTimeoutMs: 10_000,
    logger,
  });
  return {
    async run(pipeline, hosts, extra = {}) {
      const before = logs.length;
      const streamed: StepResult[] = [];
      const results = await runPipeline({
        pipeline,
        hosts: hosts.map(({ host, values }) => ({
          host: { id: host.name, name: host.name },
          target: target(host),
          values,
        })),
        connector,
        concurrency: { global: 4, perHost: 1 },
        onResult: (r) => streamed.push(r),
        logger,
        ...extra,
      });
      return { results, streamed, logs: logs.slice(before) };
    },
    close: () => connector.close(),
  };
}

/** status per step name, for compact assertions */
export const statuses = (result: HostResult | undefined): Record<string, string> =>
  Object.fromEntries((result?.steps ?? []).map((s) => [s.step, s.status]));

export const failure = (result: HostResult | undefined): StepResult | undefined =>
  result?.steps.find((s) => s.status === "failed");
