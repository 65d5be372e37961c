/**
 * The whole system on loopback, as `npm run sandbox` runs it and as the
 * end-to-end tests and the lifecycle bench drive it:
 *
 * - the control plane, embedded (PGlite in a temp dir), as a child process;
 * - the Kubernetes API test server (in this process), with kube-public/cluster-info;
 * - N sshd test hosts (in this process; needs root) whose fake kubeadm joins
 *   them to that API server, registered through the REST API as machines of
 *   pool `default` (min 0, max N) of cluster `sandbox`;
 * - the agent, as a child process (`agent/main.ts`, the real composition
 *   root), registered with the cluster's token, serving Cluster Autoscaler's
 *   externalgrpc API and running the lifecycle over SSH with the hosts' keys
 *   from its --ssh-key-dir.
 *
 * `startSandboxStack` resolves once the agent answers NodeGroups with the
 * pool; `stop()` stops everything it started, newest first.
 */
import { randomBytes } from "node:crypto";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { AGENT_NODE_FLAGS } from "../agent/node-flags.ts";
import { createCaClient } from "../test/support/ca-emulator/client.ts";
import { type KubeApiServer, startKubeApiServer } from "../test/support/kube-api/index.ts";
import {
  type SshHosts,
  type SshHostsOptions,
  sshdUsable,
  startSshHosts,
} from "../test/support/ssh-hosts/index.ts";
import {
  createSandboxInventory,
  SANDBOX_CLUSTER,
  SANDBOX_POOL,
  type SandboxHostInput,
} from "./sandbox-inventory.ts";
import { freePort, type SandboxChild, spawnChild, waitFor } from "./sandbox-processes.ts";

const READY_TIMEOUT_MS = 60_000;
const HOST_CPUS = 4;
const HOST_MEMORY_MIB = 8192;
const REPO = path.resolve(path.dirname(new URL(import.meta.url).pathname), "..");
// Settings that would point the embedded control plane at shared services instead of its own temp dir.
const FOREIGN_ENV = /^(DATABASE_URL|UPSTASH_|QSTASH_|KSP_|NEON_)/;

export interface SandboxOptions {
  hosts: number;
  /** extra fields for the pool (REST pool settings, e.g. lifecycleSettings) */
  pool?: Record<string, unknown>;
  /** extra agent environment (KSP_* settings) */
  agentEnv?: Record<string, string>;
  /** more for the test hosts (network mode, name prefix …) */
  hostOptions?: Partial<Omit<SshHostsOptions, "count" | "kubeApiUrl">>;
  /** the agent's and control plane's log level; default info */
  logLevel?: "debug" | "info" | "warn" | "error";
  /** where problems while stopping are reported */
  onLog?: (line: string) => void;
  /** aborting it during start-up stops what was started so far; the promise then rejects */
  signal?: AbortSignal;
}

export interface SandboxHost extends SandboxHostInput {
  machineId: string;
  privateKeyFile: string;
}

export interface SandboxStack {
  apiUrl: string;
  adminToken: string;
  clusterId: string;
  poolId: string;
  grpcAddress: string;
  healthUrl: string;
  kubeconfig: string;
  hosts: SandboxHost[];
  /** the Kubernetes API test server (its store, request log) */
  kube: KubeApiServer;
  /** the sshd test hosts (their fakes, calls, faults) */
  ssh: SshHosts;
  controlPlane: SandboxChild;
  agent: SandboxChild;
  /** the temp dir: every component's log is here while the stack runs */
  work: string;
  /** stops everything started, newest first, and removes the temp dir; idempotent */
  stop(): Promise<void>;
}

async function httpOk(url: string): Promise<boolean> {
  return (await fetch(url, { signal: AbortSignal.timeout(1_000) })).ok;
}

async function nodeGroupIds(grpcAddress: string): Promise<string[]> {
  const client = createCaClient({ address: grpcAddress, version: "current", timeoutMs: 1_000 });
  try {
    const res = await client.call<{ nodeGroups: { id: string }[] }>("NodeGroups", {});
    return res.nodeGroups.map((group) => group.id);
  } finally {
    client.close();
  }
}

export async function startSandboxStack(options: SandboxOptions): Promise<SandboxStack> {
  if (!(await sshdUsable())) throw new Error("the sandbox's test hosts need /usr/sbin/sshd and root");
  const work = mkdtempSync(path.join(tmpdir(), "ksp-sandbox-"));
  const started: { name: string; stop(): Promise<void> }[] = [];
  let stopping: Promise<void> | undefined;
  const baseEnv = Object.fromEntries(Object.entries(process.env).filter(([key]) => !FOREIGN_ENV.test(key)));
  const logLevel = options.logLevel ?? "info";

  const stop = () => {
    stopping ??= (async () => {
      for (const part of [...started].reverse()) {
        await part.stop().catch((err: unknown) => options.onLog?.(`stopping ${part.name}: ${String(err)}`));
      }
      rmSync(work, { recursive: true, force: true });
    })();
    return stopping;
  };

  const runTs = (
    name: string,
    entry: string,
    env: Record<string, string>,
    nodeFlags: readonly string[] = [],
  ) => {
    // a stop during start-up: nothing new may appear after stop() took its list
    if (stopping) throw new Error(`not starting ${name}: the sandbox is stopping`);
    // node --import tsx: one process per component (the tsx CLI would add a wrapper process)
    const child = spawnChild(name, process.execPath, [...nodeFlags, "--import", "tsx", entry], {
      cwd: REPO,
      env: { ...baseEnv, ...env },
      logFile: path.join(work, `${name}.log`),
    });
    started.push({ name, stop: () => child.stop() });
    return child;
  };

  options.signal?.addEventListener("abort", () => void stop(), { once: true });
  try {
    if (options.signal?.aborted) throw new Error("the sandbox was stopped while starting");
    const adminToken = `ksp_adm_${randomBytes(32).toString("base64url")}`;
    const cpPort = await freePort();
    const apiUrl = `http://127.0.0.1:${cpPort}`;
    const controlPlane = runTs("control-plane", "functions/node.ts", {
      PORT: String(cpPort),
      HOST: "127.0.0.1",
      KSP_DATA_DIR: path.join(work, "data"),
      KSP_ADMIN_TOKEN: adminToken,
      LOG_LEVEL: logLevel,
    });
    const kube = await startKubeApiServer();
    started.push({ name: "kube-api", stop: () => kube.close() });
    if (stopping) throw new Error("the sandbox was stopped while starting");
    const kubeconfig = path.join(work, "kubeconfig");
    writeFileSync(kubeconfig, kube.kubeConfig().exportConfig(), { mode: 0o600 });
    await waitFor(
      "the control plane's /readyz",
      () => httpOk(`${apiUrl}/readyz`),
      READY_TIMEOUT_MS,
      controlPlane,
    );

    const ssh = await startSshHosts({
      cpus: HOST_CPUS,
      memoryMiB: HOST_MEMORY_MIB,
      ...options.hostOptions,
      count: options.hosts,
      kubeApiUrl: kube.url,
    });
    started.push({ name: "ssh-hosts", stop: () => ssh.stop() });
    if (stopping) {
      await ssh.stop();
      throw new Error("the sandbox was stopped while starting");
    }

    const keyDir = path.join(work, "ssh-keys");
    mkdirSync(keyDir, { mode: 0o700 });
    for (const host of ssh.hosts)
      writeFileSync(path.join(keyDir, host.name), host.privateKey, { mode: 0o600 });
    const hostInputs: SandboxHostInput[] = ssh.hosts.map((host) => ({
      name: host.name,
      address: host.address,
      port: host.port,
      user: host.username,
      hostKeyFingerprint: host.hostKeyFingerprint,
      sshKeyRef: host.name,
      cpuCores: HOST_CPUS,
      memoryBytes: HOST_MEMORY_MIB * 2 ** 20,
    }));
    const inventory = await createSandboxInventory(apiUrl, adminToken, hostInputs, options.pool);

    const tokenFile = path.join(work, "registration-token");
    writeFileSync(tokenFile, inventory.registrationToken, { mode: 0o600 });
    const [grpcPort, healthPort] = [await freePort(), await freePort()];
    const grpcAddress = `127.0.0.1:${grpcPort}`;
    const agent = runTs(
      "agent",
      "agent/main.ts",
      {
        KSP_CONTROL_PLANE_URL: apiUrl,
        KSP_CLUSTER: SANDBOX_CLUSTER,
        KSP_REGISTRATION_TOKEN_FILE: tokenFile,
        KSP_AGENT_CREDENTIAL_FILE: path.join(work, "agent-credential"),
        KSP_GRPC_LISTEN: grpcAddress,
        KSP_HEALTH_LISTEN: `127.0.0.1:${healthPort}`,
        KSP_KUBECONFIG: kubeconfig,
        KSP_SSH_KEY_DIR: keyDir,
        KSP_SYNC_INTERVAL: "1s",
        KSP_POD_NAME: "sandbox-agent",
        KSP_LOG_LEVEL: logLevel,
        ...options.agentEnv,
      },
      AGENT_NODE_FLAGS,
    );
    await waitFor(
      `the agent to serve NodeGroups with "${SANDBOX_POOL}" on ${grpcAddress}`,
      async () => (await nodeGroupIds(grpcAddress)).includes(SANDBOX_POOL),
      READY_TIMEOUT_MS,
      agent,
    );
    const hosts = hostInputs.map((host, i) => ({
      ...host,
      machineId: inventory.machineIds[i]!,
      privateKeyFile: path.join(keyDir, host.name),
    }));
    return {
      apiUrl,
      adminToken,
      clusterId: inventory.clusterId,
      poolId: inventory.poolId,
      grpcAddress,
      healthUrl: `http://127.0.0.1:${healthPort}`,
      kubeconfig,
      hosts,
      kube,
      ssh,
      controlPlane,
      agent,
      work,
      stop,
    };
  } catch (err) {
    await stop();
    throw err;
  }
}
