/**
 * The sandbox's inventory, made through the public REST API as an operator
 * would: a cluster (with its one-time registration token), a pool `default`
 * (min 0, max = number of hosts, autoscaling on) and one machine per test
 * host — address, SSH port and user, host key fingerprint, hardware — each
 * assigned to that pool.
 */

export interface SandboxHostInput {
  name: string;
  address: string;
  port: number;
  user: string;
  hostKeyFingerprint: string;
  /** name of the key file in the agent's --ssh-key-dir */
  sshKeyRef: string;
  cpuCores: number;
  memoryBytes: number;
}

export interface SandboxInventory {
  clusterId: string;
  registrationToken: string;
  poolId: string;
  machineIds: string[];
}

export const SANDBOX_CLUSTER = "sandbox";
export const SANDBOX_POOL = "default";

async function call<T>(
  apiUrl: string,
  token: string,
  method: string,
  path: string,
  body?: unknown,
): Promise<T> {
  const res = await fetch(new URL(path, apiUrl), {
    method,
    headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  if (!res.ok) throw new Error(`${method} ${path}: HTTP ${res.status} ${text.slice(0, 500)}`);
  return JSON.parse(text) as T;
}

export async function createSandboxInventory(
  apiUrl: string,
  adminToken: string,
  hosts: SandboxHostInput[],
  /** more pool settings (e.g. lifecycleSettings for the bench's caps) */
  poolSettings: Record<string, unknown> = {},
): Promise<SandboxInventory> {
  const api = <T>(method: string, path: string, body?: unknown) =>
    call<T>(apiUrl, adminToken, method, path, body);
  const created = await api<{ cluster: { id: string }; registrationToken: string }>("POST", "/v1/clusters", {
    name: SANDBOX_CLUSTER,
    description: "npm run sandbox",
  });
  const clusterId = created.cluster.id;
  const pool = await api<{ id: string }>("POST", `/v1/clusters/${clusterId}/pools`, {
    name: SANDBOX_POOL,
    minSize: 0,
    maxSize: hosts.length,
    autoscalingEnabled: true,
    ...poolSettings,
  });
  const machineIds: string[] = [];
  for (const host of hosts) {
    const machine = await api<{ id: string }>("POST", "/v1/machines", {
      hostname: host.name,
      ip: host.address,
      sshUser: host.user,
      sshPort: host.port,
      sshKeyRef: host.sshKeyRef,
      hostKeyFingerprint: host.hostKeyFingerprint,
      cpuCores: host.cpuCores,
      memoryBytes: host.memoryBytes,
      region: "sandbox",
      zone: "sandbox-a",
    });
    await api("POST", `/v1/machines/${machine.id}/assign`, { clusterId, poolId: pool.id });
    machineIds.push(machine.id);
  }
  return { clusterId, registrationToken: created.registrationToken, poolId: pool.id, machineIds };
}
