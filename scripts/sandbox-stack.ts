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
 *   from its --ssh-key-dir. With `agents: N` there are N replicas (pod names
 *   ksp-agent-0 …), each a process with its own ports, sharing the Lease and,
 *   as in a cluster, the credential Secret (`ksp-agent-credential` in the
 *   API server); a front (scripts/sandbox-front.ts) then stands in for the
 *   agent's Service and routes CA's connections to the ready replica.
 *
 * `startSandboxStack` resolves once the agent answers NodeGroups with the
 * pool (through the front, when there is one); `stop()` stops everything it
 * started, newest first.
 */
import { randomBytes } from "node:crypto";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { CREDENTIAL_SECRET_KEY } from "../agent/control-plane/secret-credential-store.ts";
import { AGENT_NODE_FLAGS } from "../agent/node-flags.ts";
import { CONTROL_PLANE_NODE_FLAGS } from "../functions/node-flags.ts";
import { createCaClient } from "../test/support/ca-emulator/client.ts";
import { type KubeApiServer, startKubeApiServer } from "../test/support/kube-api/index.ts";
import {
  type SshHosts,
  type SshHostsOptions,
  sshdUsable,
  startSshHosts,
} from "../test/support/ssh-hosts/index.ts";
import { type SandboxFront, startSandboxFront } from "./sandbox-front.ts";
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
// Where the agents keep their Lease and credential: the defaults of infra/agent/.
const AGENT_NAMESPACE = "kube-system";
const AGENT_LEASE = "ksp-agent";
const AGENT_CREDENTIAL_SECRET = "ksp-agent-credential";
const REPO = path.resolve(path.dirname(new URL(import.meta.url).pathname), "..");
// Settings that would point the embedded control plane at shared services instead of its own temp dir.
const FOREIGN_ENV = /^(DATABASE_URL|UPSTASH_|QSTASH_|KSP_|NEON_)/;

export interface SandboxOptions {
  hosts: number;
  /** agent replicas (default 1); more than one sit behind a front that routes to the ready one */
  agents?: number;
  /** extra fields for the pool (REST pool settings, e.g. lifecycleSettings) */
  pool?: Record<string, unknown>;
  /** extra agent environment (KSP_* settings) */
  agentEnv?: Record<string, string>;
  /** extra control-plane environment, e.g. DATABASE_URL for a real Postgres instead of the embedded one */
  controlPlaneEnv?: Record<string, string>;
  /** more for the test hosts (network mode, name prefix …) */
  hostOptions?: Partial<Omit<SshHostsOptions, "count" | "kubeApiUrl">>;
  /** the agent's and control plane's log level; default info */
  logLevel?: "debug" | "info" | "warn" | "error";
  /** where problems while stopping, and the front's readiness and routing changes, are reported */
  onLog?: (line: string) => void;
  /** aborting it during start-up stops what was started so far; the promise then rejects */
  signal?: AbortSignal;
}

export interface SandboxHost extends SandboxHostInput {
  machineId: string;
  privateKeyFile: string;
}

/** One agent replica: its process, and where it serves. */
export interface SandboxAgent extends SandboxChild {
  /** its pod name (KSP_POD_NAME): the leader-election identity */
  identity: string;
  grpcAddress: string;
  /** base URL of its /healthz, /readyz and /metrics */
  healthUrl: string;
}

export interface SandboxStack {
  apiUrl: string;
  adminToken: string;
  clusterId: string;
  poolId: string;
  /** where Cluster Autoscaler connects: the agent's own port, or the front's with several agents */
  grpcAddress: string;
  /** the first agent's probe and metrics server */
  healthUrl: string;
  kubeconfig: string;
  hosts: SandboxHost[];
  /** the Kubernetes API test server (its store, request log) */
  kube: KubeApiServer;
  /** the sshd test hosts (their fakes, calls, faults) */
  ssh: SshHosts;
  /** the control plane's process (a new one after startControlPlane) */
  controlPlane: SandboxChild;
  /** stops the control plane (an outage, for the agents); startControlPlane brings it back */
  stopControlPlane(): Promise<void>;
  /** starts the stopped control plane again, same port and database; resolves once /readyz answers */
  startControlPlane(): Promise<void>;
  /** the first agent replica (agents[0]) */
  agent: SandboxAgent;
  /** every agent replica, in start order (a restarted one in its old place) */
  agents: SandboxAgent[];
  /**
   * Starts agent `index` (default 0) again after it exited (killed or
   * stopped): same identity, ports and credential, as a restarted container
   * of the same pod; resolves once it is ready or standing by.
   */
  restartAgent(index?: number): Promise<SandboxAgent>;
  /** the stand-in for the agent's Service, when there are several agents; null with one */
  front: SandboxFront | null;
  /** the temp dir: every component's log is here while the stack runs */
  work: string;
  /** stops everything started, newest first, and removes the temp dir; idempotent */
  stop(): Promise<void>;
}

async function httpOk(url: string): Promise<boolean> {
  return (await fetch(url, { signal: AbortSignal.timeout(1_000) })).ok;
}

/** Whether the first agent has put the credential it registered for into the shared Secret. */
function hasCredential(kube: KubeApiServer): boolean {
  const secret = kube.store.get("secrets", AGENT_NAMESPACE, AGENT_CREDENTIAL_SECRET);
  return Boolean((secret.data as Record<string, string> | undefined)?.[CREDENTIAL_SECRET_KEY]);
}

/**
 * Up and past start-up: ready (200), or a replica standing by while another
 * leads (503 "standby: <holder> leads").
 */
async function readyOrStandingBy(healthUrl: string): Promise<boolean> {
  const res = await fetch(`${healthUrl}/readyz`, { signal: AbortSignal.timeout(1_000) });
  if (res.ok) return true;
  const body = (await res.json().catch(() => ({}))) as { reason?: unknown };
  return typeof body.reason === "string" && body.reason.startsWith("standby");
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
    const runControlPlane = () =>
      runTs(
        "control-plane",
        "functions/node.ts",
        {
          PORT: String(cpPort),
          HOST: "127.0.0.1",
          KSP_DATA_DIR: path.join(work, "data"),
          KSP_ADMIN_TOKEN: adminToken,
          LOG_LEVEL: logLevel,
          ...options.controlPlaneEnv,
        },
        CONTROL_PLANE_NODE_FLAGS,
      );
    let controlPlane = runControlPlane();
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
    // As in a cluster, the credential lives in a Secret every replica reads, created empty the way
    // infra/agent/deployment.yaml creates it; each replica's pod name is its leader-election identity.
    kube.store.create("secrets", AGENT_NAMESPACE, {
      metadata: { name: AGENT_CREDENTIAL_SECRET },
      type: "Opaque",
    });
    /** `ports`: a restarted replica keeps its addresses (CA, the front and probes know them). */
    const startAgent = async (
      index: number,
      ports?: { grpc: number; health: number },
    ): Promise<SandboxAgent> => {
      const identity = `ksp-agent-${index}`;
      const [grpcPort, healthPort] = ports
        ? [ports.grpc, ports.health]
        : [await freePort(), await freePort()];
      const grpcAddress = `127.0.0.1:${grpcPort}`;
      // its own bearer token (the stand-in takes any): the API server's request log tells who did what
      const agentKubeconfig = path.join(work, `kubeconfig-${identity}`);
      writeFileSync(agentKubeconfig, kube.kubeConfig(identity).exportConfig(), { mode: 0o600 });
      const child = runTs(
        identity,
        "agent/main.ts",
        {
          KSP_CONTROL_PLANE_URL: apiUrl,
          KSP_CLUSTER: SANDBOX_CLUSTER,
          KSP_REGISTRATION_TOKEN_FILE: tokenFile,
          KSP_AGENT_CREDENTIAL_SECRET: AGENT_CREDENTIAL_SECRET,
          KSP_LEASE_NAMESPACE: AGENT_NAMESPACE,
          KSP_LEASE_NAME: AGENT_LEASE,
          KSP_POD_NAME: identity,
          KSP_GRPC_LISTEN: grpcAddress,
          KSP_HEALTH_LISTEN: `127.0.0.1:${healthPort}`,
          KSP_KUBECONFIG: agentKubeconfig,
          KSP_SSH_KEY_DIR: keyDir,
          KSP_SYNC_INTERVAL: "1s",
          KSP_LOG_LEVEL: logLevel,
          ...options.agentEnv,
        },
        AGENT_NODE_FLAGS,
      );
      return Object.assign(child, { identity, grpcAddress, healthUrl: `http://127.0.0.1:${healthPort}` });
    };
    const agentCount = options.agents ?? 1;
    const agents = [await startAgent(0)];
    let front: SandboxFront | null = null;
    let grpcAddress = agents[0]!.grpcAddress;
    if (agentCount === 1) {
      await waitFor(
        `the agent to serve NodeGroups with "${SANDBOX_POOL}" on ${grpcAddress}`,
        async () => (await nodeGroupIds(grpcAddress)).includes(SANDBOX_POOL),
        READY_TIMEOUT_MS,
        agents[0],
      );
    } else {
      // The registration token works once: the others start when the first has stored the credential.
      await waitFor(
        `the first agent to store its credential in Secret ${AGENT_NAMESPACE}/${AGENT_CREDENTIAL_SECRET}`,
        async () => hasCredential(kube),
        READY_TIMEOUT_MS,
        agents[0],
      );
      for (let i = 1; i < agentCount; i++) agents.push(await startAgent(i));
      for (const agent of agents) {
        await waitFor(
          `${agent.identity} to be ready or standing by (${agent.healthUrl}/readyz)`,
          () => readyOrStandingBy(agent.healthUrl),
          READY_TIMEOUT_MS,
          agent,
        );
      }
      const routing = await startSandboxFront({
        backends: agents.map((a) => ({ name: a.identity, address: a.grpcAddress, healthUrl: a.healthUrl })),
        onLog: options.onLog,
      });
      started.push({ name: "front", stop: () => routing.close() });
      if (stopping) {
        await routing.close();
        throw new Error("the sandbox was stopped while starting");
      }
      front = routing;
      grpcAddress = routing.address;
      await waitFor(
        `the agents to serve NodeGroups with "${SANDBOX_POOL}" through the front on ${grpcAddress}`,
        async () => (await nodeGroupIds(grpcAddress)).includes(SANDBOX_POOL),
        READY_TIMEOUT_MS,
      );
    }
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
      healthUrl: agents[0]!.healthUrl,
      kubeconfig,
      hosts,
      kube,
      ssh,
      get controlPlane() {
        return controlPlane;
      },
      stopControlPlane: () => controlPlane.stop(),
      async startControlPlane() {
        if (!controlPlane.hasExited()) throw new Error("the control plane is running; stop it first");
        controlPlane = runControlPlane();
        await waitFor(
          "the control plane's /readyz",
          () => httpOk(`${apiUrl}/readyz`),
          READY_TIMEOUT_MS,
          controlPlane,
        );
      },
      get agent() {
        return agents[0]!;
      },
      agents,
      async restartAgent(index = 0) {
        const old = agents[index];
        if (!old) throw new Error(`no agent ${index}`);
        if (!old.hasExited()) throw new Error(`${old.identity} is running; kill or stop it first`);
        const ports = {
          grpc: Number(old.grpcAddress.split(":").pop()),
          health: Number(new URL(old.healthUrl).port),
        };
        const agent = await startAgent(index, ports);
        agents[index] = agent;
        await waitFor(
          `${agent.identity} to be ready or standing by again (${agent.healthUrl}/readyz)`,
          () => readyOrStandingBy(agent.healthUrl),
          READY_TIMEOUT_MS,
          agent,
        );
        return agent;
      },
      front,
      work,
      stop,
    };
  } catch (err) {
    await stop();
    throw err;
  }
}
