/**
 * Objects a `ksp` test needs but does not test, made straight through the
 * control plane's API (in-process, no spawn): each test builds its own, under
 * names carrying a suffix of its own, so no test counts or depends on what
 * another one made, whatever order or speed they run at.
 */
import { randomBytes } from "node:crypto";
import type { TestApi } from "../api.ts";

/** A suffix for one test's names: `cli-demo-${suffix}`, `a1-${suffix}.cli.test`. */
export function uniqueSuffix(): string {
  return randomBytes(3).toString("hex");
}

export interface World {
  cluster(name: string, labels?: Record<string, string>): Promise<{ id: string; name: string }>;
  pool(
    clusterId: string,
    name: string,
    sizes?: { minSize: number; maxSize: number },
  ): Promise<{ id: string; name: string }>;
  machine(hostname: string, ip: string, labels?: Record<string, string>): Promise<{ id: string }>;
  /** POST /v1/machines/{machine}/<action> with `body`: assign, maintenance, restore, archive… */
  act(machine: string, action: string, body?: object): Promise<{ status: string }>;
}

export function worldOf(api: TestApi): World {
  const write = async (method: string, path: string, body: object) => {
    const res = await api.json(method, path, { token: api.admin, body });
    if (res.status >= 300) throw new Error(`${method} ${path}: ${res.status} ${JSON.stringify(res.body)}`);
    return res.body;
  };
  return {
    async cluster(name, labels = {}) {
      return (await write("POST", "/v1/clusters", { name, labels })).cluster;
    },
    pool(clusterId, name, sizes = { minSize: 0, maxSize: 4 }) {
      return write("POST", `/v1/clusters/${clusterId}/pools`, { name, ...sizes });
    },
    machine(hostname, ip, labels = {}) {
      return write("POST", "/v1/machines", { hostname, ip, labels });
    },
    act(machine, action, body = {}) {
      return write("POST", `/v1/machines/${machine}/${action}`, body);
    },
  };
}
