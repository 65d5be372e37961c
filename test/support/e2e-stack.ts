/**
 * What every end-to-end test on the sandbox stack (scripts/sandbox-stack.ts)
 * needs, in one place so the tests under test/integration/e2e hold only
 * their scenarios: the stack started once per file with a CA emulator on its
 * gRPC address (and both stopped after), and the few looks those tests take
 * at the control plane, the Kubernetes API test server and the sshd hosts.
 *
 *   const ok = await requireSandbox();
 *   describe.skipIf(!ok)("…", () => {
 *     const e2e = useSandboxStack({ hosts: 3 });          // beforeAll / afterAll
 *     const { machine, statuses, hostOf } = e2e;
 *     it("…", async () => {
 *       await e2e.ca.scaleUp("default", 1);
 *       await until("one ready", async () => Object.values(await statuses()).includes("ready"));
 *     });
 *   });
 */
import { afterAll, beforeAll } from "vitest";
import type { MachineView } from "../../functions/routes/v1/machines/schemas.ts";
import { type SandboxOptions, type SandboxStack, startSandboxStack } from "../../scripts/sandbox-stack.ts";
import { CaEmulator, createCaClient, type EmulatedNode } from "./ca-emulator/index.ts";
import { waitFor } from "./eventually.ts";
import type { KubeObject } from "./kube-api/index.ts";
import { requireService } from "./services.ts";
import { sshdUsable, type TestHost } from "./ssh-hosts/index.ts";

export type { MachineView };

/** How long the stack may take to start: a control plane, agent(s), sshd hosts, on a loaded machine. */
const START_TIMEOUT_MS = 120_000;

/** The sandbox's test hosts need root and /usr/sbin/sshd: true when they can run (else the file skips, or fails in CI). */
export function requireSandbox(): Promise<boolean> {
  return requireService("sshd", sshdUsable, "root + /usr/sbin/sshd");
}

/**
 * Every wait in these tests polls over HTTP or a store that other processes
 * change: 250 ms between looks is plenty, and 60 s (the default) covers a
 * loaded machine. `waitFor` (test/support/eventually.ts) with those numbers.
 */
export function until<T>(
  what: string,
  check: () => Promise<T | undefined | false>,
  timeoutMs = 60_000,
): Promise<T> {
  return waitFor(what, check, timeoutMs, 250);
}

/** A Node's spec.providerID (`ksp://<machine id>` once the agent has joined it). */
export function providerIdOf(n: KubeObject): string | undefined {
  return (n.spec as { providerID?: string } | undefined)?.providerID;
}

/** The machine id in a Node's providerID; the Node must have one. */
export function machineIdOf(n: KubeObject): string {
  return providerIdOf(n)!.replace(/^ksp:\/\//, "");
}

/** Whether a Node's Ready condition is True. */
export function isReady(n: KubeObject): boolean {
  const conditions = (n.status as { conditions?: { type: string; status: string }[] } | undefined)
    ?.conditions;
  return conditions?.some((c) => c.type === "Ready" && c.status === "True") ?? false;
}

/** A Node as the CA emulator takes it (for runOnce, deleteNodes): what Cluster Autoscaler would send. */
export function asCaNode(n: KubeObject): EmulatedNode {
  return { name: n.metadata.name!, providerID: providerIdOf(n) ?? "", labels: n.metadata.labels ?? {} };
}

/** The looks at a running stack; each reads the stack when called, so they can be made before it starts. */
export interface StackHelpers {
  /** A control-plane REST call as the stack's admin; JSON in and out, throws on a non-2xx answer. */
  api<T>(method: string, path: string, body?: unknown): Promise<T>;
  /** GET /v1/machines/{id} */
  machine(id: string): Promise<MachineView>;
  /** machine id → status at the control plane, for every host of the stack */
  statuses(): Promise<Record<string, string>>;
  /** the Nodes in the Kubernetes API test server */
  nodes(): KubeObject[];
  /** the Node with that providerID, if any */
  node(providerId: string): KubeObject | undefined;
  /** every Node whose providerID names that machine (more than one is a duplicate registration) */
  nodesOf(machineId: string): KubeObject[];
  /** the (first) Node whose providerID names that machine, if any */
  nodeOf(machineId: string): KubeObject | undefined;
  /** the sshd test host behind that machine */
  hostOf(machineId: string): TestHost;
  /** the bootstrap-token Secrets in kube-system: a join's token, which must not outlive it */
  tokens(): KubeObject[];
}

/** The helpers over the stack that `stack()` returns when they are called. */
export function stackHelpers(stack: () => SandboxStack): StackHelpers {
  const api = async <T>(method: string, path: string, body?: unknown): Promise<T> => {
    const s = stack();
    const res = await fetch(`${s.apiUrl}${path}`, {
      method,
      headers: {
        authorization: `Bearer ${s.adminToken}`,
        ...(body === undefined ? {} : { "content-type": "application/json" }),
      },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    if (!res.ok) throw new Error(`${method} ${path}: ${res.status} ${await res.text()}`);
    return (await res.json()) as T;
  };
  const machine = (id: string) => api<MachineView>("GET", `/v1/machines/${id}`);
  const nodes = () => stack().kube.store.list("nodes", {}).items;
  const nodesOf = (machineId: string) => nodes().filter((n) => providerIdOf(n) === `ksp://${machineId}`);
  return {
    api,
    machine,
    statuses: async () =>
      Object.fromEntries(
        await Promise.all(stack().hosts.map(async (h) => [h.machineId, (await machine(h.machineId)).status])),
      ) as Record<string, string>,
    nodes,
    node: (providerId) => nodes().find((n) => providerIdOf(n) === providerId),
    nodesOf,
    nodeOf: (machineId) => nodesOf(machineId)[0],
    hostOf: (machineId) => {
      const s = stack();
      const host = s.ssh.hosts[s.hosts.findIndex((h) => h.machineId === machineId)];
      if (!host) throw new Error(`no test host for machine ${machineId}`);
      return host;
    },
    tokens: () =>
      stack()
        .kube.store.list("secrets", { namespace: "kube-system" })
        .items.filter((s) => s.type === "bootstrap.kubernetes.io/token"),
  };
}

/** A test file's stack, its CA emulator, and the helpers over them. */
export interface SandboxTest extends StackHelpers {
  /** the running stack; throws outside the tests and hooks (before it started) */
  readonly stack: SandboxStack;
  /** Cluster Autoscaler's side: the emulator on the stack's gRPC address ("current" proto) */
  readonly ca: CaEmulator;
}

/**
 * Registers, in the calling describe block, a beforeAll that starts the
 * stack (with `options`, or what the function resolves to, e.g. once a
 * database exists) and a CA client on it, and an afterAll that closes the
 * client, stops the stack and then runs `afterStop` (e.g. drops that database).
 */
export function useSandboxStack(
  options: SandboxOptions | (() => Promise<SandboxOptions>),
  { afterStop }: { afterStop?: () => Promise<void> } = {},
): SandboxTest {
  let stack: SandboxStack | undefined;
  let ca: CaEmulator | undefined;
  let close: (() => void) | undefined;

  beforeAll(async () => {
    stack = await startSandboxStack(typeof options === "function" ? await options() : options);
    const client = createCaClient({ address: stack.grpcAddress, version: "current" });
    ca = new CaEmulator(client);
    close = () => client.close();
  }, START_TIMEOUT_MS);

  afterAll(async () => {
    close?.();
    await stack?.stop();
    await afterStop?.();
  });

  const started = <T>(value: T | undefined): T => {
    if (value === undefined)
      throw new Error("the sandbox stack is not started (use it inside a test or hook)");
    return value;
  };
  return {
    get stack() {
      return started(stack);
    },
    get ca() {
      return started(ca);
    },
    ...stackHelpers(() => started(stack)),
  };
}
