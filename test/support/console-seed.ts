/**
 * Seeds a served control plane for the console's browser tests through its HTTP API
 * (never SQL): one cluster with a pool, a fleet of free machines (some labelled
 * gpu=a100), a few of them assigned to the pool, and tokens of other roles.
 */
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
}

export const GPU_MACHINES = 6;
export const PLAIN_MACHINES = 14;
export const ASSIGNED_MACHINES = 3;

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
  const gpu = Array.from({ length: GPU_MACHINES }, (_, i) => machine(i, true));
  const plain = Array.from({ length: PLAIN_MACHINES + ASSIGNED_MACHINES }, (_, i) => machine(i, false));
  await ok(plane, "POST", "/v1/machines/import", [...gpu, ...plain]);
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
  };
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
