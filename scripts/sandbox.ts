/**
 * `npm run sandbox -- --hosts N --out FILE`: the whole system on loopback
 * (scripts/sandbox-stack.ts): control plane, Kubernetes API test server, N
 * sshd test hosts in pool `default`, and an agent that joins and removes
 * them as Cluster Autoscaler (or a person, through the CA emulator or the
 * API) scales the pool.
 *
 * Once the agent answers NodeGroups with `default`, FILE gets
 * {apiUrl, adminToken, clusterId, poolId, grpcAddress, healthUrl, kubeconfig, hosts}
 * and stdout `sandbox ready`. SIGINT/SIGTERM stop everything started, newest first.
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

const { values } = parseArgs({
  options: { hosts: { type: "string", default: "3" }, out: { type: "string", default: "sandbox.json" } },
});
const hostCount = Number(values.hosts);
if (!Number.isInteger(hostCount) || hostCount < 1 || hostCount > 50) {
  console.error("usage: npm run sandbox -- --hosts N (1-50) --out FILE");
  process.exit(2);
}
const outFile = path.resolve(values.out!);

let stack: SandboxStack | undefined;
let stopping = false;
const startUp = new AbortController();
const starting = startSandboxStack({
  hosts: hostCount,
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
  };
  writeFileSync(outFile, `${JSON.stringify(summary, null, 2)}\n`, { mode: 0o600 });
  chmodSync(outFile, 0o600);
  console.log(`control plane  ${stack.apiUrl}  (admin token in ${outFile})`);
  console.log(`agent gRPC     ${stack.grpcAddress}  (health and metrics ${stack.healthUrl})`);
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
      stack?.agent.kill();
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
