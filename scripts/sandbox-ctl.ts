/**
 * `npm run sandbox:ctl -- <command>`: plays Cluster Autoscaler (and a look
 * at the cluster) against a running sandbox, from its `--out` file:
 *
 *   status              agent replicas (ready, leading), machines (control plane), instances (agent,
 *                       as CA sees them), Nodes (API server)
 *   up N                NodeGroupIncreaseSize(default, N)
 *   down NODE…          NodeGroupDeleteNodes(default, the Nodes named)
 *   down-any N          NodeGroupDeleteNodes(default, N of its running Nodes)
 *
 * Options: --sandbox FILE (default sandbox.json), --group NAME (default "default").
 */
import { readFileSync } from "node:fs";
import { parseArgs } from "node:util";
import { CoreV1Api, KubeConfig } from "@kubernetes/client-node";
import { CaEmulator, createCaClient } from "../test/support/ca-emulator/index.ts";

const USAGE =
  "usage: npm run sandbox:ctl -- [--sandbox FILE] [--group NAME] status | up N | down NODE… | down-any N";

const { values, positionals } = parseArgs({
  options: {
    sandbox: { type: "string", default: "sandbox.json" },
    group: { type: "string", default: "default" },
  },
  allowPositionals: true,
});
const [command, ...args] = positionals;
const group = values.group!;

interface Sandbox {
  apiUrl: string;
  adminToken: string;
  clusterId: string;
  grpcAddress: string;
  kubeconfig: string;
  /** absent in files written before the sandbox had replicas */
  agents?: { identity: string; pid: number; healthUrl: string }[];
}

function fail(message: string): never {
  console.error(message);
  process.exit(2);
}

let sandbox: Sandbox;
try {
  sandbox = JSON.parse(readFileSync(values.sandbox!, "utf8")) as Sandbox;
} catch (err) {
  const missing = (err as NodeJS.ErrnoException).code === "ENOENT";
  fail(
    missing
      ? `no ${values.sandbox}: start a sandbox with \`sudo npm run sandbox -- --out ${values.sandbox}\``
      : // the sandbox writes it 0600 as root; run this as the same user (sudo)
        `cannot read ${values.sandbox}: ${err instanceof Error ? err.message : String(err)}`,
  );
}

const kubeConfig = new KubeConfig();
kubeConfig.loadFromFile(sandbox.kubeconfig);
const core = kubeConfig.makeApiClient(CoreV1Api);
const client = createCaClient({ address: sandbox.grpcAddress, version: "current" });
const ca = new CaEmulator(client);

async function nodes() {
  return (await core.listNode()).items.map((n) => ({
    name: n.metadata?.name ?? "",
    providerID: n.spec?.providerID ?? "",
    ready: n.status?.conditions?.some((c) => c.type === "Ready" && c.status === "True") ?? false,
    cordoned: n.spec?.unschedulable === true,
  }));
}

/** What an agent replica says about itself: /readyz, and ksp_agent_leader from /metrics. */
async function agentStatus(agent: { identity: string; pid: number; healthUrl: string }) {
  const get = (path: string) => fetch(`${agent.healthUrl}${path}`, { signal: AbortSignal.timeout(1_000) });
  try {
    const readyz = await get("/readyz");
    const body = (await readyz.json()) as { reason?: string };
    const metrics = await (await get("/metrics")).text();
    const leader = /^ksp_agent_leader\{[^}]*\} (\S+)$/m.exec(metrics)?.[1];
    return {
      agent: agent.identity,
      pid: agent.pid,
      ready: readyz.ok,
      leader: leader === undefined ? "" : leader === "1",
      reason: readyz.ok ? "" : (body.reason ?? `HTTP ${readyz.status}`),
    };
  } catch (err) {
    const reason =
      err instanceof Error ? ((err.cause as Error | undefined)?.message ?? err.message) : String(err);
    return { agent: agent.identity, pid: agent.pid, ready: false, leader: "", reason: `down: ${reason}` };
  }
}

async function status(): Promise<void> {
  if (sandbox.agents && sandbox.agents.length > 1)
    console.table(await Promise.all(sandbox.agents.map(agentStatus)));
  const res = await fetch(`${sandbox.apiUrl}/v1/machines?clusterId=${sandbox.clusterId}&limit=500`, {
    headers: { authorization: `Bearer ${sandbox.adminToken}` },
  });
  const machines = ((await res.json()) as { items: Record<string, unknown>[] }).items;
  console.log(`target size ${await ca.targetSize(group)}`);
  console.table(
    machines.map((m) => ({
      hostname: m.hostname,
      status: m.status,
      reason: m.statusReason ?? "",
      node: m.nodeName ?? "",
    })),
  );
  console.table(
    (await ca.nodes(group)).map((i) => ({
      instance: i.id,
      state: i.state,
      error: i.errorInfo?.errorMessage ?? "",
    })),
  );
  console.table(await nodes());
}

async function main(): Promise<void> {
  switch (command) {
    case "status":
      return status();
    case "up": {
      const delta = Number(args[0]);
      if (!Number.isInteger(delta) || delta < 1) fail(USAGE);
      console.log(JSON.stringify(await ca.scaleUp(group, delta)));
      return;
    }
    case "down":
    case "down-any": {
      const all = (await nodes()).filter((n) => n.providerID.startsWith("ksp://"));
      const chosen =
        command === "down" ? all.filter((n) => args.includes(n.name)) : all.slice(0, Number(args[0]) || 0);
      if (chosen.length === 0)
        fail(`no such Nodes; the pool's Nodes: ${all.map((n) => n.name).join(", ") || "none"}`);
      await ca.deleteNodes(
        group,
        chosen.map((n) => ({ name: n.name, providerID: n.providerID })),
      );
      console.log(`deleting ${chosen.map((n) => n.name).join(", ")}`);
      return;
    }
    default:
      fail(USAGE);
  }
}

try {
  await main();
} catch (err) {
  console.error(err instanceof Error ? err.message : String(err));
  process.exitCode = 1;
} finally {
  client.close();
}
