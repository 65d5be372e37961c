/**
 * Seeds a served control plane for the console's browser tests through its HTTP API
 * (never SQL): one cluster with a pool, a fleet of free machines (some labelled
 * gpu=a100), a few of them assigned to the pool, and tokens of other roles. The cluster's
 * agent registers with the token its creation returned, and a second pool that needs H100
 * GPUs (its only H100 machine marked faulty) is refused a scale-up through the agent
 * route, as Cluster Autoscaler's would be: that pool's "Why didn't it scale?" has a story.
 */
import { tokenKubeconfig } from "./kubeconfig-fixtures.ts";

export interface PlaneClient {
  url: string;
  token: string;
}

// biome-ignore lint/suspicious/noExplicitAny: tests read the API's JSON loosely, as test/support/api.ts does
export async function apiCall<T = any>(
  plane: PlaneClient,
  method: string,
  path: string,
  body?: unknown,
  token = plane.token,
): Promise<{ status: number; body: T }> {
  const res = await fetch(`${plane.url}${path}`, {
    method,
    headers: {
      authorization: `Bearer ${token}`,
      ...(body === undefined ? {} : { "content-type": "application/json" }),
    },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  return { status: res.status, body: (text ? JSON.parse(text) : undefined) as T };
}

// biome-ignore lint/suspicious/noExplicitAny: as above
async function ok<T = any>(plane: PlaneClient, method: string, path: string, body?: unknown): Promise<T> {
  const res = await apiCall<T>(plane, method, path, body);
  if (res.status >= 300)
    throw new Error(`${method} ${path} answered ${res.status}: ${JSON.stringify(res.body)}`);
  return res.body;
}

export interface ConsoleSeed {
  clusterId: string;
  clusterName: string;
  poolId: string;
  poolName: string;
  /** free machines labelled gpu=a100 */
  gpuHostnames: string[];
  /** free machines without that label */
  plainHostnames: string[];
  assignedHostnames: string[];
  viewerToken: string;
  /** a pending maintenance order for the assigned machines */
  orderId: string;
  orderNumber: string;
  templateName: string;
  strategyName: string;
  /** an operator token scoped to the cluster */
  scopedOperatorToken: string;
  /** the cluster's agent credential, from a real registration */
  agentCredential: string;
  /** a pool needing gpuType H100: no free machine has one, and its own is faulty */
  gpuPoolId: string;
  gpuPoolName: string;
  /** the gpu pool's one machine, in fault with FAULT_REASON */
  faultyHostname: string;
}

export const GPU_MACHINES = 6;
export const PLAIN_MACHINES = 14;
export const ASSIGNED_MACHINES = 3;
/** machines the seeded refusal asks the gpu pool for */
export const REFUSED_DELTA = 2;
export const FAULT_REASON = "GPU 3 reports uncorrectable ECC errors";
const H100_HOSTNAME = "h100-000.lab.example.net";

function machine(i: number, gpu: boolean) {
  return {
    hostname: `${gpu ? "gpu" : "node"}-${String(i).padStart(3, "0")}.lab.example.net`,
    ip: `10.20.${gpu ? 1 : 2}.${i + 1}`,
    cpuCores: gpu ? 64 : 16,
    memoryBytes: (gpu ? 512 : 64) * 2 ** 30,
    gpuCount: gpu ? 4 : 0,
    gpuType: gpu ? "A100" : null,
    zone: i % 2 === 0 ? "a" : "b",
    labels: gpu ? { gpu: "a100", zone: i % 2 === 0 ? "a" : "b" } : { zone: i % 2 === 0 ? "a" : "b" },
  };
}

export async function seedConsole(plane: PlaneClient): Promise<ConsoleSeed> {
  const clusterName = "prod-eu-1";
  const created = await ok(plane, "POST", "/v1/clusters", { name: clusterName, description: "browser test" });
  const clusterId: string = created.cluster.id;
  const pool = await ok(plane, "POST", `/v1/clusters/${clusterId}/pools`, {
    name: "general",
    minSize: 0,
    maxSize: 10,
  });
  const gpuPool = await ok(plane, "POST", `/v1/clusters/${clusterId}/pools`, {
    name: "gpu-h100",
    minSize: 0,
    maxSize: 8,
    gpuType: "H100",
    hardwareRequirements: { gpuType: "H100" },
  });
  const gpu = Array.from({ length: GPU_MACHINES }, (_, i) => machine(i, true));
  const plain = Array.from({ length: PLAIN_MACHINES + ASSIGNED_MACHINES }, (_, i) => machine(i, false));
  const h100 = {
    hostname: H100_HOSTNAME,
    ip: "10.20.3.1",
    cpuCores: 96,
    memoryBytes: 1024 * 2 ** 30,
    gpuCount: 8,
    gpuType: "H100",
    zone: "a",
    labels: { gpu: "h100", zone: "a" },
  };
  await ok(plane, "POST", "/v1/machines/import", [...gpu, ...plain, h100]);
  const assigned = plain.slice(PLAIN_MACHINES).map((m) => m.hostname);
  for (const hostname of assigned) {
    await ok(plane, "POST", `/v1/machines/${hostname}/assign`, { clusterId, poolId: pool.id });
  }
  const viewer = await ok(plane, "POST", "/v1/tokens", { name: "browser-viewer", role: "viewer" });
  const order = await ok(plane, "POST", "/v1/orders", {
    action: "maintenance",
    clusterId,
    machineIds: [assigned[0]],
    reason: "firmware update",
  });
  const templateName = "a100-big-memory";
  await ok(plane, "POST", "/v1/query-templates", {
    name: templateName,
    description: "A100 machines with at least 256 GiB",
    logic: "and",
    groups: [
      {
        logic: "and",
        blocks: [
          { type: "device", key: "gpuType", operator: "eq", value: "A100" },
          { type: "device", key: "memoryBytes", operator: "gte", value: 256 * 2 ** 30 },
        ],
      },
    ],
  });
  const strategyName = "gpu-hot-week";
  await ok(plane, "POST", "/v1/strategies", {
    name: strategyName,
    action: "pool_entry",
    cpu: { threshold: 80, type: "usage", target: 60 },
    durationDays: 7,
    cooldownDays: 3,
    maxDevices: 4,
  });
  const scopedOperator = await ok(plane, "POST", "/v1/tokens", {
    name: "browser-scoped-operator",
    role: "operator",
    clusterId,
  });
  await ok(plane, "POST", `/v1/machines/${H100_HOSTNAME}/assign`, { clusterId, poolId: gpuPool.id });
  await ok(plane, "POST", `/v1/machines/${H100_HOSTNAME}/fault`, { reason: FAULT_REASON });
  const agent = await apiCall(plane, "POST", "/v1/agent/register", {
    registrationToken: created.registrationToken,
    clusterName,
    agentVersion: "0.1.0",
    kubernetesVersion: "v1.31.2",
  });
  if (agent.status !== 201)
    throw new Error(`agent registration answered ${agent.status}: ${JSON.stringify(agent.body)}`);
  const agentCredential: string = agent.body.credential;
  await refusedScaleUp(plane, agentCredential, gpuPool.id, "ca-console-1");
  return {
    clusterId,
    clusterName,
    poolId: pool.id,
    poolName: pool.name,
    gpuHostnames: gpu.map((m) => m.hostname),
    plainHostnames: plain.slice(0, PLAIN_MACHINES).map((m) => m.hostname),
    assignedHostnames: assigned,
    viewerToken: viewer.token,
    orderId: order.id,
    orderNumber: order.number,
    templateName,
    strategyName,
    scopedOperatorToken: scopedOperator.token,
    agentCredential,
    gpuPoolId: gpuPool.id,
    gpuPoolName: gpuPool.name,
    faultyHostname: H100_HOSTNAME,
  };
}

/**
 * Asks for REFUSED_DELTA machines of the pool as the agent does for Cluster Autoscaler, and
 * throws unless the control plane refuses for want of machines (409 not_enough_machines).
 */
export async function refusedScaleUp(
  plane: PlaneClient,
  agentCredential: string,
  poolId: string,
  requestId: string,
): Promise<void> {
  const asked = await apiCall(
    plane,
    "POST",
    "/v1/agent/allocations",
    { poolId, delta: REFUSED_DELTA, requestId },
    agentCredential,
  );
  if (asked.status !== 409 || asked.body?.error?.code !== "not_enough_machines")
    throw new Error(`expected a refused scale-up, got ${asked.status}: ${JSON.stringify(asked.body)}`);
}

/** `count` more free machines labelled bulk=yes, in one import (the API takes up to 16 MiB). */
export async function seedBulkMachines(plane: PlaneClient, count: number): Promise<void> {
  const machines = Array.from({ length: count }, (_, i) => ({
    hostname: `bulk-${String(i).padStart(5, "0")}.lab.example.net`,
    ip: `10.${100 + Math.floor(i / 65_536)}.${Math.floor(i / 256) % 256}.${i % 256}`,
    cpuCores: 8,
    memoryBytes: 32 * 2 ** 30,
    labels: { bulk: "yes" },
  }));
  await ok(plane, "POST", "/v1/machines/import", machines);
}

/**
 * A cluster imported from a kubeconfig (no agent) whose API server is a closed local port: the
 * control plane's probe-clusters job, not the test, finds it unreachable and stores that state.
 */
export async function seedKubeconfigCluster(
  plane: PlaneClient,
  name: string,
  server: string,
): Promise<{ id: string; name: string }> {
  const created = await ok(plane, "POST", "/v1/clusters", {
    name,
    description: "imported kubeconfig",
    mode: "kubeconfig",
    kubeconfig: tokenKubeconfig({ server }).yaml,
  });
  return { id: created.cluster.id, name };
}
