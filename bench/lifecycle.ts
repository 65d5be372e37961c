/**
 * `npm run bench -- lifecycle` (issue 10): the whole lifecycle on the
 * sandbox stack (control plane, agent process, Kubernetes API test server,
 * 20 real sshd hosts), driven through Cluster Autoscaler's RPCs. The pool
 * caps joins and removals at 10; every host's fake `kubeadm join` and
 * `kubeadm reset` sleep a fixed 2 s.
 *
 * - scaleUpSeconds: IncreaseSize(20) until NodeGroupNodes lists 20 running
 *   instances (reserved → joining → preflight + join over SSH → Ready Node → ready);
 * - scaleDownSeconds: DeleteNodes(all 20) until NodeGroupNodes lists none
 *   (cordon → drain → leaving → reset over SSH → Node deleted → available).
 *
 * idealSeconds = ceil(20 / 10) × the fixed 2 s step; the target is
 * 1.3 × ideal + 2 s for each direction. Measured in the same run, for what the
 * figures can be held against:
 * - perMachine*Seconds: one machine up and down alone, the same path;
 * - floor*Seconds: the same pipelines (preflight + join, reset) run straight
 *   through the engine on the 20 hosts at concurrency 10 — no control plane,
 *   no reconciler, no Kubernetes watches — the least this work costs here;
 * - fakeCommandsPerJoin × fakeCommandSeconds: the test hosts' kubeadm,
 *   systemctl … are Node scripts (~60 ms of CPU each, where the real ones
 *   take ~1 ms), and all 20 hosts share this machine's cores:
 *   fakeCpuWallSecondsUp is that cost of the scale-up spread over the cores.
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { cpus, tmpdir } from "node:os";
import path from "node:path";
import { runPipeline } from "../agent/pipeline/engine.ts";
import { joinPipeline, preflightPipeline, resetPipeline } from "../agent/pipeline/pipelines/index.ts";
import type { Pipeline } from "../agent/pipeline/types.ts";
import { createSshConnector } from "../agent/ssh/connector.ts";
import { type SandboxStack, startSandboxStack } from "../scripts/sandbox-stack.ts";
import { createLogger } from "../shared/logger.ts";
import { CaEmulator, createCaClient } from "../test/support/ca-emulator/index.ts";
import { CLUSTER_CA_CERT_HASH, createBootstrapToken } from "../test/support/kube-api/index.ts";
import { FAKES_DIR } from "../test/support/ssh-hosts/host-view.ts";
import { connectorOptions } from "./ssh.ts";

const HOSTS = 20;
const CAP = 10;
const STEP_SECONDS = 2;
const POOL = "default";

const round = (x: number, digits = 2) => Number(x.toFixed(digits));
const since = (start: number) => (performance.now() - start) / 1000;

async function until(what: string, check: () => Promise<boolean>, timeoutMs = 180_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

async function running(ca: CaEmulator): Promise<{ running: number; total: number }> {
  const instances = await ca.nodes(POOL);
  return { running: instances.filter((i) => i.state === "instanceRunning").length, total: instances.length };
}

/** Scales up by `count` and down again through CA's RPCs; seconds for each direction. */
async function cycle(
  stack: SandboxStack,
  ca: CaEmulator,
  count: number,
): Promise<{ up: number; down: number; fakeCommandsUp: number }> {
  for (const host of stack.ssh.hosts) await host.clearCalls();
  const upStart = performance.now();
  const scaled = await ca.scaleUp(POOL, count);
  if (scaled.outcome !== "scaled")
    throw new Error(`IncreaseSize(${count}) failed: ${JSON.stringify(scaled)}`);
  await until(`${count} running instances`, async () => (await running(ca)).running === count);
  const up = since(upStart);
  let fakeCommandsUp = 0;
  for (const host of stack.ssh.hosts) fakeCommandsUp += (await host.calls()).length;
  const nodes = stack.kube.store.list("nodes", {}).items.map((n) => ({
    name: n.metadata.name!,
    providerID: (n.spec as { providerID: string }).providerID,
  }));
  const downStart = performance.now();
  await ca.deleteNodes(POOL, nodes);
  await until("no instances", async () => (await running(ca)).total === 0);
  return { up, down: since(downStart), fakeCommandsUp };
}

/**
 * What one fake command (kubeadm, systemctl … on the test hosts are Node
 * scripts) costs: a process start the real binaries do not have. All 20
 * hosts share this machine's cores, so these seconds add up across hosts.
 */
function fakeCommandSeconds(): number {
  const dir = mkdtempSync(path.join(tmpdir(), "ksp-bench-fake-"));
  writeFileSync(path.join(dir, "config.json"), "{}");
  try {
    const runs = 10;
    const start = performance.now();
    for (let i = 0; i < runs; i++) {
      spawnSync(process.execPath, [path.join(FAKES_DIR, "systemctl.mjs"), "is-active", "kubelet"], {
        env: { ...process.env, KSP_FAKE_DIR: dir },
      });
    }
    return since(start) / runs;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** The same pipelines straight through the engine: what the SSH work itself costs on this machine. */
async function floor(stack: SandboxStack): Promise<{ up: number; down: number }> {
  const token = "benchf.0123456789abcdef";
  createBootstrapToken(stack.kube.store, token);
  const apiEndpoint = new URL(stack.kube.url).host;
  const connector = createSshConnector(connectorOptions());
  const hosts = stack.ssh.hosts.map((host, i) => ({
    host: { id: stack.hosts[i]!.machineId, name: host.name },
    target: {
      host: host.address,
      port: host.port,
      username: host.username,
      key: host.privateKey,
      pinnedFingerprint: host.hostKeyFingerprint,
    },
    values: {
      nodeName: host.name,
      providerId: `bench://${host.name}`,
      apiEndpoint,
      caCertHash: CLUSTER_CA_CERT_HASH,
      token,
      labels: {},
      taints: [],
      hooks: {},
    },
  }));
  const run = async (pipeline: Pipeline) => {
    const start = performance.now();
    const results = await runPipeline({
      pipeline,
      hosts,
      connector,
      concurrency: { global: CAP, perHost: 1 },
      logger: createLogger({ level: "warn" }),
    });
    const failed = results.filter((r) => !r.ok);
    if (failed.length > 0) throw new Error(`floor ${pipeline.name}: ${failed.length} hosts failed`);
    return since(start);
  };
  try {
    const join: Pipeline = { name: "join", tasks: [...preflightPipeline().tasks, ...joinPipeline().tasks] };
    const up = await run(join);
    const down = await run(resetPipeline());
    for (const node of stack.kube.store.list("nodes", {}).items) {
      stack.kube.store.delete("nodes", undefined, node.metadata.name!);
    }
    return { up, down };
  } finally {
    await connector.close();
  }
}

export async function benchLifecycle(): Promise<Record<string, unknown>> {
  console.log(`starting the sandbox stack with ${HOSTS} hosts …`);
  const stack = await startSandboxStack({
    hosts: HOSTS,
    pool: { lifecycleSettings: { maxConcurrentJoins: CAP, maxConcurrentRemovals: CAP } },
    agentEnv: { KSP_SSH_CONCURRENCY: String(HOSTS) },
    logLevel: "warn",
  });
  const client = createCaClient({ address: stack.grpcAddress, version: "current" });
  const ca = new CaEmulator(client);
  try {
    for (const host of stack.ssh.hosts) {
      await host.setBehaviour("kubeadm join", { delayMs: STEP_SECONDS * 1000 });
      await host.setBehaviour("kubeadm reset", { delayMs: STEP_SECONDS * 1000 });
    }
    console.log("floor: the pipelines alone through the engine …");
    const bare = await floor(stack);
    console.log(`floor: up ${round(bare.up)} s, down ${round(bare.down)} s`);
    console.log("one machine up and down …");
    const one = await cycle(stack, ca, 1);
    console.log(`one machine: up ${round(one.up)} s, down ${round(one.down)} s`);
    console.log(`${HOSTS} machines up and down at a cap of ${CAP} …`);
    const all = await cycle(stack, ca, HOSTS);
    const idealSeconds = Math.ceil(HOSTS / CAP) * STEP_SECONDS;
    const targetSeconds = 1.3 * idealSeconds + 2;
    const fakeSeconds = fakeCommandSeconds();
    return {
      hosts: HOSTS,
      cap: CAP,
      stepSeconds: STEP_SECONDS,
      scaleUpSeconds: round(all.up),
      scaleDownSeconds: round(all.down),
      idealSeconds,
      targetSeconds: round(targetSeconds),
      upRatio: round(all.up / idealSeconds),
      downRatio: round(all.down / idealSeconds),
      upMet: all.up <= targetSeconds,
      downMet: all.down <= targetSeconds,
      perMachineUpSeconds: round(one.up),
      perMachineDownSeconds: round(one.down),
      floorUpSeconds: round(bare.up),
      floorDownSeconds: round(bare.down),
      upOverFloorSeconds: round(all.up - bare.up),
      downOverFloorSeconds: round(all.down - bare.down),
      fakeCommandsPerJoin: round(all.fakeCommandsUp / HOSTS, 1),
      fakeCommandSeconds: round(fakeSeconds, 3),
      // the CPU the stand-in commands of the scale-up take, spread over this machine's cores
      fakeCpuWallSecondsUp: round((all.fakeCommandsUp * fakeSeconds) / cpus().length),
    };
  } finally {
    client.close();
    await stack.stop();
  }
}
