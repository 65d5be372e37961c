/**
 * Offline tolerance end to end (issue 11 item 5) on the sandbox stack with a
 * real Postgres: the control plane process is stopped for 30 s in the middle
 * of a scale-up. Meanwhile Cluster Autoscaler's reads keep answering from the
 * agent's cache, IncreaseSize answers Unavailable, the joins in flight
 * finish (Ready Nodes) and their transition reports wait in the agent's
 * queue (visible on /metrics, persisted beside the credential). Once the
 * control plane is back on the same database, the queue flushes and both
 * machines are `ready` there, none stuck.
 */
import { existsSync, readFileSync } from "node:fs";
import path from "node:path";
import { status as grpcStatus } from "@grpc/grpc-js";
import { describe, expect, it } from "vitest";
import { TRANSITION_QUEUE_SECRET_KEY } from "../../../agent/state/transition-queue-store.ts";
import type { CaRpcError } from "../../support/ca-emulator/index.ts";
import { isReady, providerIdOf, requireSandbox, until, useSandboxStack } from "../../support/e2e-stack.ts";
import { createTestDatabase, requirePostgres, type TestDatabase } from "../../support/postgres.ts";

const ok = (await requireSandbox()) && (await requirePostgres());
const POOL = "default";
const OUTAGE_MS = 30_000;
/** long enough to stop the control plane while kubeadm runs, short enough to finish well inside the outage */
const JOIN_DELAY_MS = 6_000;

describe.skipIf(!ok)("control plane outage during a scale-up (sandbox stack, Postgres)", () => {
  let db: TestDatabase | undefined;
  const e2e = useSandboxStack(
    async () => {
      db = await createTestDatabase();
      return {
        hosts: 2,
        // room above the two machines: IncreaseSize must reach the control plane to be refused by the outage
        pool: { maxSize: 3 },
        controlPlaneEnv: { DATABASE_URL: db.url },
      };
    },
    { afterStop: async () => db?.drop() },
  );
  const { api, machine, statuses, nodes } = e2e;
  /** the machine's transitions at the control plane, oldest first */
  const transitions = async (id: string) => {
    const page = await api<{ items: { metadata: { from?: string; to?: string } }[] }>(
      "GET",
      `/v1/events?machineId=${id}&kind=machine.transition&limit=50`,
    );
    return page.items.map((e) => `${e.metadata.from}→${e.metadata.to}`).reverse();
  };
  const queued = async () => {
    const text = await (await fetch(`${e2e.stack.healthUrl}/metrics`)).text();
    return Number(/^ksp_agent_transitions_queued (\d+)/m.exec(text)?.[1] ?? Number.NaN);
  };
  /** the agent's persisted queue: a key of the credential Secret in a cluster, else the file beside the credential */
  const persistedQueue = (): { from: string; to: string }[] => {
    const secret = e2e.stack.kube.store
      .list("secrets", { namespace: "kube-system" })
      .items.find((s) => s.metadata.name === "ksp-agent-credential");
    const encoded = (secret?.data as Record<string, string> | undefined)?.[TRANSITION_QUEUE_SECRET_KEY];
    const fallback = path.join(e2e.stack.work, "agent-credential.queue.json");
    const text = encoded
      ? Buffer.from(encoded, "base64").toString()
      : existsSync(fallback)
        ? readFileSync(fallback, "utf8")
        : null;
    return text === null
      ? []
      : (JSON.parse(text) as { items: { item: { from: string; to: string } }[] }).items.map((e) => e.item);
  };
  const readyNodes = () => nodes().filter(isReady).map(providerIdOf);

  /** What CA asks every loop, answered from the agent's cache. */
  async function caReads() {
    expect((await e2e.ca.nodeGroups()).map((g) => g.id)).toEqual([POOL]);
    expect(await e2e.ca.targetSize(POOL)).toBe(2);
    return e2e.ca.nodes(POOL);
  }

  it("CA reads keep answering, IncreaseSize is Unavailable, the joins finish, and the queued reports land afterwards", async () => {
    for (const host of e2e.stack.ssh.hosts)
      await host.setBehaviour("kubeadm join", { delayMs: JOIN_DELAY_MS });
    expect(await e2e.ca.scaleUp(POOL, 2)).toEqual({ outcome: "scaled", before: 0, after: 2 });
    // both claimed (reserved → joining reached the control plane) and kubeadm running on both hosts
    await until(
      "both machines joining",
      async () => Object.values(await statuses()).every((s) => s === "joining"),
      30_000,
    );
    await until(
      "kubeadm join running on both hosts",
      async () =>
        e2e.stack.ssh.hosts.every((h) => existsSync(h.path("/etc/kubernetes/ksp/join-config.yaml"))),
      30_000,
    );

    await e2e.stack.stopControlPlane();
    const outageStart = Date.now();
    expect(e2e.stack.controlPlane.hasExited()).toBe(true);

    // reads are served from the cache; the one call that needs the control plane says Unavailable
    expect((await caReads()).map((i) => i.state)).toEqual(["instanceCreating", "instanceCreating"]);
    const refused = await e2e.ca.client.call("NodeGroupIncreaseSize", { id: POOL, delta: 1 }).then(
      () => undefined,
      (err: CaRpcError) => err,
    );
    expect(refused?.code).toBe(grpcStatus.UNAVAILABLE);

    // the joins finish without the control plane; their `ready` reports wait in the queue
    await until("both Nodes Ready", async () => readyNodes().length === 2, 25_000);
    await until("two transitions queued", async () => (await queued()) === 2, 15_000);
    // persisted beside the credential, so an agent restart now would keep them
    expect(
      persistedQueue()
        .map((i) => [i.from, i.to])
        .sort(),
    ).toEqual([
      ["joining", "ready"],
      ["joining", "ready"],
    ]);
    const instances = await caReads();
    expect(instances.map((i) => i.state)).toEqual(["instanceRunning", "instanceRunning"]);
    expect(new Set(instances.map((i) => i.id))).toEqual(new Set(readyNodes()));
    expect((await fetch(`${e2e.stack.healthUrl}/readyz`)).status).toBe(200);

    // the rest of the outage: CA keeps asking, the agent keeps answering
    while (Date.now() - outageStart < OUTAGE_MS) {
      await caReads();
      await new Promise((resolve) => setTimeout(resolve, 2_000));
    }

    await e2e.stack.startControlPlane();
    await until(
      "both machines ready at the control plane",
      async () => Object.values(await statuses()).every((s) => s === "ready"),
      30_000,
    );
    await until("the queue empty", async () => (await queued()) === 0, 10_000);
    await until("the persisted queue empty", async () => persistedQueue().length === 0, 10_000);
    for (const host of e2e.stack.hosts) {
      expect((await machine(host.machineId)).nodeName).not.toBeNull();
      // each machine moved once per step: the queued report landed once, nothing was redone
      expect(await transitions(host.machineId)).toEqual([
        "available→reserved",
        "reserved→joining",
        "joining→ready",
      ]);
    }
    for (const host of e2e.stack.ssh.hosts) {
      const joins = (await host.calls()).filter((c) => c.argv.join(" ").startsWith("kubeadm join"));
      expect(joins).toHaveLength(1);
    }
    // the agent's view and the control plane agree
    expect((await caReads()).map((i) => i.state)).toEqual(["instanceRunning", "instanceRunning"]);
    expect(readyNodes()).toHaveLength(2);
  }, 150_000);
});
