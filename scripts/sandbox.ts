/**
 * `npm run sandbox -- --hosts N --agents M --out FILE`: the whole system on
 * loopback (scripts/sandbox-stack.ts): control plane, Kubernetes API test
 * server, N sshd test hosts in pool `default`, and an agent that joins and
 * removes them as Cluster Autoscaler (or a person, through the CA emulator or
 * the API) scales the pool. With `--agents 2` (up to 5) the agent runs as that
 * many replicas behind a front that routes CA's gRPC to the ready one, as the
 * Service does in a cluster: kill the leader and watch the other take over.
 *
 * Once the agent answers NodeGroups with `default`, FILE gets
 * {apiUrl, adminToken, clusterId, poolId, grpcAddress, healthUrl, kubeconfig, hosts,
 * agents: [{identity, pid, healthUrl, grpcAddress}]} and stdout `sandbox ready`.
 * SIGINT/SIGTERM stop everything started, newest first.
 *
 * package.json runs it as `node --import tsx`, not through the tsx CLI: that
 * wrapper relays a signal and SIGKILLs its child when the child's
 * acknowledgement is 30 ms late (easy on a busy machine), which would cut a
 * graceful stop short and orphan the children.
 */
import { chmodSync, writeFileSync } from "node:fs";
import path from "node:path";
import { parseArgs } from "node:util";
import { type SandboxStack, startSandboxStack } from "./sandbox-stack.ts";

const USAGE = "usage: npm run sandbox -- --hosts N (1-50) --agents N (1-5) --out FILE";
const { values } = parseArgs({
  options: {
    hosts: { type: "string", default: "3" },
    agents: { type: "string", default: "1" },
    out: { type: "string", default: "sandbox.json" },
  },
});
const hostCount = Number(values.hosts);
const agentCount = Number(values.agents);
if (
  !Number.isInteger(hostCount) ||
  hostCount < 1 ||
  hostCount > 50 ||
  !Number.isInteger(agentCount) ||
  agentCount < 1 ||
  agentCount > 5
) {
  console.error(USAGE);
  process.exit(2);
}
const outFile = path.resolve(values.out!);

let stack: SandboxStack | undefined;
let stopping = false;
const startUp = new AbortController();
const starting = startSandboxStack({
  hosts: hostCount,
  agents: agentCount,
  signal: startUp.signal,
  onLog: (line) => console.error(line),
});

async function up(): Promise<void> {
  stack = await starting;
  const summary = {
    apiUrl: stack.apiUrl,
    adminToken: stack.adminToken,
    clusterId: stack.clusterId,
    poolId: stack.poolId,
    grpcAddress: stack.grpcAddress,
    healthUrl: stack.healthUrl,
    kubeconfig: stack.kubeconfig,
    hosts: stack.hosts,
    agents: stack.agents.map((a) => ({
      identity: a.identity,
      pid: a.pid,
      healthUrl: a.healthUrl,
      grpcAddress: a.grpcAddress,
    })),
  };
  writeFileSync(outFile, `${JSON.stringify(summary, null, 2)}\n`, { mode: 0o600 });
  chmodSync(outFile, 0o600);
  console.log(`control plane  ${stack.apiUrl}  (admin token in ${outFile})`);
  if (stack.front === null) {
    console.log(`agent gRPC     ${stack.grpcAddress}  (health and metrics ${stack.healthUrl})`);
  } else {
    console.log(
      `agent gRPC     ${stack.grpcAddress}  (the front: to the ready replica, as the Service does)`,
    );
    for (const a of stack.agents) {
      console.log(
        `  ${a.identity.padEnd(12)} pid ${a.pid}  gRPC ${a.grpcAddress}  health and metrics ${a.healthUrl}`,
      );
    }
    const watch = stack.agents.map((a) => `curl -s ${a.healthUrl}/readyz`).join("; echo; ");
    console.log("failover       kill the leader (the ready one) and watch another take over:");
    console.log(`                 ${watch}; echo`);
    console.log("                 kill -9 <its pid>   (then: npm run sandbox:ctl -- status)");
  }
  console.log(`kube API       ${stack.kube.url}  (kubeconfig ${stack.kubeconfig})`);
  console.log(`hosts          ${stack.hosts.map((h) => `${h.name}@${h.address}:${h.port}`).join(", ")}`);
  console.log(`logs           ${stack.work}/*.log`);
  console.log("sandbox ready");
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
      for (const agent of stack?.agents ?? []) agent.kill();
      stack?.controlPlane.kill();
      process.exit(1);
    }
    stopping = true;
    firstSignalAt = Date.now();
    console.log(`${signal}: stopping the sandbox`);
    // during start-up the abort makes startSandboxStack stop what it started so far, then reject
    startUp.abort();
    starting
      .then(
        (s) => s.stop(),
        () => undefined,
      )
      .then(() => process.exit(0));
  });
}

try {
  await up();
} catch (err) {
  if (!stopping) {
    console.error(`sandbox failed to start: ${err instanceof Error ? err.message : String(err)}`);
    process.exit(1);
  }
}
