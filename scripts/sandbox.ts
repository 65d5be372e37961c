/**
 * `npm run sandbox -- --hosts N --out FILE`: the whole system on loopback.
 *
 * - the control plane, embedded (PGlite in a temp dir), as a child process;
 * - the Kubernetes API test server (in this process);
 * - N sshd test hosts (in this process; needs root), registered through the
 *   REST API as machines of pool `default` (min 0, max N) of cluster `sandbox`;
 * - the agent, as a child process, registered with the cluster's token and
 *   serving Cluster Autoscaler's externalgrpc API.
 *
 * When the agent answers NodeGroups with `default`, FILE gets
 * {apiUrl, adminToken, clusterId, grpcAddress, kubeconfig, hosts} and stdout
 * `sandbox ready`. SIGINT/SIGTERM stop everything started, newest first.
 *
 * package.json runs it as `node --import tsx`, not through the tsx CLI: that
 * wrapper relays a signal and SIGKILLs its child when the child's
 * acknowledgement is 30 ms late (easy on a busy machine), which would cut a
 * graceful stop short and orphan the children.
 */
import { randomBytes } from "node:crypto";
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { parseArgs } from "node:util";
import { AGENT_NODE_FLAGS } from "../agent/node-flags.ts";
import { createCaClient } from "../test/support/ca-emulator/client.ts";
import { type KubeApiServer, startKubeApiServer } from "../test/support/kube-api/index.ts";
import { type SshHosts, sshdUsable, startSshHosts } from "../test/support/ssh-hosts/index.ts";
import { createSandboxInventory, SANDBOX_CLUSTER, SANDBOX_POOL } from "./sandbox-inventory.ts";
import { freePort, type SandboxChild, spawnChild, waitFor } from "./sandbox-processes.ts";

const READY_TIMEOUT_MS = 60_000;
const HOST_CPUS = 4;
const HOST_MEMORY_MIB = 8192;
const REPO = path.resolve(path.dirname(new URL(import.meta.url).pathname), "..");
// Settings that would point the embedded control plane at shared services instead of its own temp dir.
const FOREIGN_ENV = /^(DATABASE_URL|UPSTASH_|QSTASH_|KSP_|NEON_)/;

const { values } = parseArgs({
  options: { hosts: { type: "string", default: "3" }, out: { type: "string", default: "sandbox.json" } },
});
const hostCount = Number(values.hosts);
if (!Number.isInteger(hostCount) || hostCount < 1 || hostCount > 50) {
  console.error("usage: npm run sandbox -- --hosts N (1-50) --out FILE");
  process.exit(2);
}
const outFile = path.resolve(values.out!);

const started: { name: string; stop(): Promise<void> }[] = [];
let stopping: Promise<void> | undefined;
const children: SandboxChild[] = [];
const work = mkdtempSync(path.join(tmpdir(), "ksp-sandbox-"));
const baseEnv = Object.fromEntries(Object.entries(process.env).filter(([key]) => !FOREIGN_ENV.test(key)));

function runTs(
  name: string,
  entry: string,
  env: Record<string, string>,
  nodeFlags: readonly string[] = [],
): SandboxChild {
  // a signal during start-up: nothing new may appear after down() took its list
  if (stopping) throw new Error(`not starting ${name}: the sandbox is stopping`);
  // node --import tsx: one process per component (the tsx CLI would add a wrapper process).
  const child = spawnChild(name, process.execPath, [...nodeFlags, "--import", "tsx", entry], {
    cwd: REPO,
    env: { ...baseEnv, ...env },
    logFile: path.join(work, `${name}.log`),
  });
  children.push(child);
  started.push({ name, stop: () => child.stop() });
  return child;
}

async function httpOk(url: string): Promise<boolean> {
  return (await fetch(url, { signal: AbortSignal.timeout(1_000) })).ok;
}

async function startControlPlane(adminToken: string) {
  const port = await freePort();
  const apiUrl = `http://127.0.0.1:${port}`;
  const child = runTs("control-plane", "functions/node.ts", {
    PORT: String(port),
    HOST: "127.0.0.1",
    KSP_DATA_DIR: path.join(work, "data"),
    KSP_ADMIN_TOKEN: adminToken,
    LOG_LEVEL: "info",
  });
  await waitFor("the control plane's /readyz", () => httpOk(`${apiUrl}/readyz`), READY_TIMEOUT_MS, child);
  return apiUrl;
}

async function startKube(): Promise<{ kube: KubeApiServer; kubeconfig: string }> {
  const kube = await startKubeApiServer();
  started.push({ name: "kube-api", stop: () => kube.close() });
  const kubeconfig = path.join(work, "kubeconfig");
  writeFileSync(kubeconfig, kube.kubeConfig().exportConfig(), { mode: 0o600 });
  return { kube, kubeconfig };
}

async function startHosts(kubeApiUrl: string): Promise<SshHosts> {
  const ssh = await startSshHosts({
    count: hostCount,
    kubeApiUrl,
    cpus: HOST_CPUS,
    memoryMiB: HOST_MEMORY_MIB,
  });
  started.push({ name: "ssh-hosts", stop: () => ssh.stop() });
  return ssh;
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

async function up() {
  if (!(await sshdUsable())) throw new Error("the sandbox's test hosts need /usr/sbin/sshd and root");
  const adminToken = `ksp_adm_${randomBytes(32).toString("base64url")}`;
  const [apiUrl, { kube, kubeconfig }] = await Promise.all([startControlPlane(adminToken), startKube()]);
  const ssh = await startHosts(kube.url);

  const keyDir = path.join(work, "ssh-keys");
  mkdirSync(keyDir, { mode: 0o700 });
  for (const host of ssh.hosts) writeFileSync(path.join(keyDir, host.name), host.privateKey, { mode: 0o600 });
  const hostInputs = ssh.hosts.map((host) => ({
    name: host.name,
    address: host.address,
    port: host.port,
    user: host.username,
    hostKeyFingerprint: host.hostKeyFingerprint,
    sshKeyRef: host.name,
    cpuCores: HOST_CPUS,
    memoryBytes: HOST_MEMORY_MIB * 2 ** 20,
  }));
  const inventory = await createSandboxInventory(apiUrl, adminToken, hostInputs);

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
    machineId: inventory.machineIds[i],
    privateKeyFile: path.join(keyDir, host.name),
  }));
  const summary = { apiUrl, adminToken, clusterId: inventory.clusterId, grpcAddress, kubeconfig, hosts };
  writeFileSync(outFile, `${JSON.stringify(summary, null, 2)}\n`, { mode: 0o600 });
  chmodSync(outFile, 0o600);
  console.log(`control plane  ${apiUrl}  (admin token in ${outFile})`);
  console.log(`agent gRPC     ${grpcAddress}  (health 127.0.0.1:${healthPort})`);
  console.log(`kube API       ${kube.url}  (kubeconfig ${kubeconfig})`);
  console.log(`hosts          ${hosts.map((h) => `${h.name}@${h.address}:${h.port}`).join(", ")}`);
  console.log(`logs           ${work}/*.log`);
  console.log("sandbox ready");
}

function down(): Promise<void> {
  stopping ??= (async () => {
    for (const part of [...started].reverse()) {
      await part.stop().catch((err: unknown) => console.error(`stopping ${part.name}: ${String(err)}`));
    }
    rmSync(work, { recursive: true, force: true });
  })();
  return stopping;
}

// Wrappers may relay signals too (a terminal signals the whole group, and e.g. the tsx CLI forwards its
// own), so one Ctrl-C can arrive here more than once: only a signal well after the first one means "now".
const DUPLICATE_SIGNAL_WINDOW_MS = 3_000;
let firstSignalAt = 0;
for (const signal of ["SIGINT", "SIGTERM"] as const) {
  process.on(signal, () => {
    if (stopping) {
      if (Date.now() - firstSignalAt < DUPLICATE_SIGNAL_WINDOW_MS) return;
      console.log(`${signal} again: killing what is left`);
      for (const child of children) child.kill();
      process.exit(1);
    }
    firstSignalAt = Date.now();
    console.log(`${signal}: stopping the sandbox`);
    down().then(() => process.exit(0));
  });
}

try {
  await up();
} catch (err) {
  console.error(`sandbox failed to start: ${err instanceof Error ? err.message : String(err)}`);
  await down();
  process.exit(1);
}
