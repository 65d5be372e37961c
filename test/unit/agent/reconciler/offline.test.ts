/**
 * The lifecycle while the control plane is unreachable: a report that
 * concludes work already done (joining → ready, draining → leaving, a fault)
 * is queued and the operation carries on; the write-ahead claim of a
 * reserved machine is never queued (SSH waits for the control plane); a
 * refusal is never queued. The queue then lands everything, in order.
 */
import { describe, expect, it } from "vitest";
import { ControlPlaneError } from "../../../../agent/control-plane/errors.ts";
import { reportTransition } from "../../../../agent/reconciler/transitions.ts";
import type { ReconcilerDeps } from "../../../../agent/reconciler/types.ts";
import { createStateStore } from "../../../../agent/state/store.ts";
import {
  createTransitionQueue,
  type TransitionQueue,
  type TransitionQueuePersistence,
} from "../../../../agent/state/transition-queue.ts";
import type { AgentMachine, TransitionItem } from "../../../../proto/agent-api.ts";
import { createLogger } from "../../../../shared/logger.ts";
import { FakeControlPlane } from "../../../support/agent/fake-control-plane.ts";
import { fixtureMachine, fixturePool } from "../../../support/agent/fixtures.ts";
import { type ReconcilerHarness, reconcilerHarnesses } from "../../../support/agent/reconciler-harness.ts";

const start = reconcilerHarnesses();

function memoryPersistence(): TransitionQueuePersistence & { text: string | null } {
  return {
    where: "memory",
    text: null,
    async read() {
      return this.text;
    },
    async write(text: string) {
      this.text = text;
    },
  };
}

/** A queue over the harness's store, flushed by hand (the core's sync loop flushes its own). */
function queueFor(h: () => ReconcilerHarness) {
  let queue: TransitionQueue | undefined;
  const deps: Pick<ReconcilerDeps, "queue"> = {
    queue: {
      holds: (id) => queue?.holds(id) ?? false,
      enqueue: async (item) => queue?.enqueue(item) ?? null,
    },
  };
  const attach = async () => {
    queue = createTransitionQueue({
      store: h().core.store,
      controlPlane: h().fake,
      persistence: memoryPersistence(),
      clock: { now: () => new Date() },
      logger: createLogger({ sink: () => {} }),
    });
    await queue.start();
    return queue;
  };
  return { deps, attach };
}

describe("reconciler: control plane outage", () => {
  it("a join that finishes during an outage queues joining → ready and succeeds; the flush lands it", async () => {
    const pool = fixturePool({ name: "web" });
    const machine = fixtureMachine({ poolId: pool.id, status: "reserved", hostname: "slow" });
    let h!: ReconcilerHarness;
    const q = queueFor(() => h);
    h = await start({
      pools: [pool],
      machines: [machine],
      deps: q.deps,
      prepare: (_kube, work) => (work.holdJoins = true),
    });
    const queue = await q.attach();
    await h.until("the join running", () => h.work.held().includes(machine.id));
    expect(h.fake.machine(machine.id).status).toBe("joining");

    h.fake.setOutage(true);
    h.work.release(machine.id);
    await h.until("the ready report queued", () => queue.size() === 1);
    await h.until("the join counted a success", () =>
      h.metrics.operations.some((o) => o.kind === "join" && o.outcome === "succeeded"),
    );
    const version = h.fake.machine(machine.id).version;
    // CA sees a running instance although the control plane still says joining
    expect(h.core.store.view().machinesById.get(machine.id)).toMatchObject({
      status: "ready",
      version: version + 1,
    });
    await h.service.refresh();
    expect(h.service.nodes("web")).toEqual([expect.objectContaining({ state: "running" })]);
    expect(h.fake.machine(machine.id).status).toBe("joining");
    // nothing is joined twice while it waits
    await new Promise((r) => setTimeout(r, 200));
    expect(h.work.calls.filter((c) => c.kind === "join")).toHaveLength(1);

    h.fake.setOutage(false);
    expect(await queue.flush()).toEqual({ applied: 1, dropped: 0 });
    expect(h.fake.machine(machine.id)).toMatchObject({
      status: "ready",
      version: version + 1,
      nodeName: "slow",
    });
  });

  it("never queues the claim of a reserved machine: SSH waits until the control plane has it", async () => {
    const pool = fixturePool({ name: "web" });
    const machine = fixtureMachine({ poolId: pool.id, status: "reserved" });
    let h!: ReconcilerHarness;
    const q = queueFor(() => h);
    h = await start({ pools: [pool], machines: [], deps: q.deps });
    const queue = await q.attach();
    h.fake.setOutage(true);
    // the machine was reserved just before the outage; the agent learns it from its own allocation
    h.fake.machines.push(machine);
    h.core.store.applyLocal([{ machineId: machine.id, version: machine.version, set: machine }]);
    await h.until("the join put off", () => h.metrics.operations.some((o) => o.outcome === "retry"));
    expect(queue.size()).toBe(0);
    expect(h.work.calls).toEqual([]);
    h.fake.setOutage(false);
    await h.until("ready", () => h.fake.machine(machine.id).status === "ready");
  });

  it("a removal during an outage queues draining → leaving, resets the host, queues leaving → available; both land in order", async () => {
    const pool = fixturePool({ name: "web" });
    const machine = fixtureMachine({
      poolId: pool.id,
      status: "ready",
      hostname: "node-1",
      nodeName: "node-1",
    });
    let h!: ReconcilerHarness;
    const q = queueFor(() => h);
    h = await start({
      pools: [pool],
      machines: [machine],
      deps: q.deps,
      prepare: (kube, work) => {
        kube.addNode("node-1", { providerId: `ksp://${machine.id}` });
        work.joined.set(machine.id, `ksp://${machine.id}`);
      },
    });
    const queue = await q.attach();
    // CA's DeleteNodes landed just before the outage
    h.fake.change((f) => Object.assign(f.machine(machine.id), { status: "draining", version: 2 }));
    await h.service.refresh();
    h.fake.setOutage(true);
    await h.until("both reports queued", () => queue.size() === 2);
    expect(h.work.calls.map((c) => c.kind)).toEqual(["reset"]);
    expect(h.kube.node("node-1")).toBeUndefined();
    expect(h.core.store.view().machinesById.get(machine.id)).toMatchObject({
      status: "available",
      version: 4,
    });

    h.fake.setOutage(false);
    const before = h.fake.calls.length;
    expect(await queue.flush()).toEqual({ applied: 2, dropped: 0 });
    const sent = h.fake.calls
      .slice(before)
      .filter((c) => c.method === "transitions")
      .map((c) => (c.args as TransitionItem[]).map((i) => [i.from, i.to, i.expectedVersion]));
    expect(sent).toEqual([[["draining", "leaving", 2]], [["leaving", "available", 3]]]);
    expect(h.fake.machine(machine.id)).toMatchObject({ status: "available", version: 4 });
  });
});

describe("reportTransition with a queue", () => {
  function setup(status: AgentMachine["status"], capacity?: number) {
    const pool = fixturePool();
    const machine = fixtureMachine({ poolId: pool.id, status, version: 6 });
    const fake = new FakeControlPlane({ pools: [pool], machines: [machine] });
    const store = createStateStore();
    store.replace(fake.snapshot(), fake.etag(), store.mutationMark());
    const queue = createTransitionQueue({
      store,
      controlPlane: fake,
      persistence: memoryPersistence(),
      clock: { now: () => new Date() },
      logger: createLogger({ sink: () => {} }),
      ...(capacity !== undefined ? { capacity } : {}),
    });
    const deps = {
      controlPlane: fake,
      store,
      clock: { now: () => new Date() },
      requestSync: () => {},
      queue,
    };
    return { fake, machine, store, queue, deps };
  }

  const unreachable = new ControlPlaneError({ kind: "unreachable", message: "connect ECONNREFUSED" });

  it("queues a report the control plane could not take (network error, 5xx) and answers it as done", async () => {
    const { fake, machine, store, queue, deps } = setup("joining");
    await queue.start();
    fake.failNext("transitions", unreachable);
    const moved = await reportTransition(deps, machine, { to: "ready", nodeName: "n-1" });
    expect(moved).toEqual({
      ok: true,
      machine: expect.objectContaining({ status: "ready", version: 7, nodeName: "n-1" }),
    });
    expect(store.view().machinesById.get(machine.id)).toMatchObject({ status: "ready", version: 7 });
    expect(queue.items().map((e) => e.item)).toEqual([
      { machineId: machine.id, from: "joining", to: "ready", expectedVersion: 6, nodeName: "n-1" },
    ]);

    // the machine's next report queues behind it without trying the control plane
    const calls = fake.count("transitions");
    const next = await reportTransition(deps, moved.ok ? moved.machine : machine, { to: "draining" });
    expect(next).toMatchObject({ ok: true, machine: { status: "draining", version: 8 } });
    expect(fake.count("transitions")).toBe(calls);
    expect(queue.items().map((e) => [e.item.to, e.item.expectedVersion])).toEqual([
      ["ready", 6],
      ["draining", 7],
    ]);

    const five = setup("draining");
    await five.queue.start();
    five.fake.failNext(
      "transitions",
      new ControlPlaneError({
        kind: "http",
        status: 503,
        code: "dependency_unavailable",
        message: "db down",
      }),
    );
    expect(await reportTransition(five.deps, five.machine, { to: "leaving" })).toMatchObject({ ok: true });
    expect(five.queue.size()).toBe(1);
  });

  it("does not queue a refusal (4xx), nor the claim of a reserved machine, nor into a full queue", async () => {
    const refused = setup("joining");
    await refused.queue.start();
    const conflict = new ControlPlaneError({ kind: "http", status: 409, code: "conflict", message: "no" });
    refused.fake.failNext("transitions", conflict);
    await expect(reportTransition(refused.deps, refused.machine, { to: "ready" })).rejects.toBe(conflict);
    refused.fake.failNext(
      "transitions",
      new ControlPlaneError({ kind: "http", status: 429, code: "rate_limited", message: "slow down" }),
    );
    await expect(reportTransition(refused.deps, refused.machine, { to: "ready" })).rejects.toMatchObject({
      status: 429,
    });
    expect(refused.queue.size()).toBe(0);

    const claim = setup("reserved");
    await claim.queue.start();
    claim.fake.failNext("transitions", unreachable);
    await expect(reportTransition(claim.deps, claim.machine, { to: "joining" })).rejects.toBe(unreachable);
    expect(claim.queue.size()).toBe(0);
    expect(claim.store.view().machinesById.get(claim.machine.id)?.status).toBe("reserved");

    const full = setup("joining", 0);
    await full.queue.start();
    full.fake.failNext("transitions", unreachable);
    await expect(reportTransition(full.deps, full.machine, { to: "ready" })).rejects.toBe(unreachable);

    // an item-level refusal is an answer, not an outage: the caller stops, nothing is queued
    const stale = setup("joining");
    await stale.queue.start();
    const outcome = await reportTransition(stale.deps, { ...stale.machine, version: 5 }, { to: "ready" });
    expect(outcome).toMatchObject({ ok: false, code: "stale_version" });
    expect(stale.queue.size()).toBe(0);
  });

  it("without a queue, an unreachable control plane still rejects (the operation is retried later)", async () => {
    const { fake, machine, store } = setup("joining");
    fake.failNext("transitions", unreachable);
    await expect(
      reportTransition(
        { controlPlane: fake, store, clock: { now: () => new Date() }, requestSync: () => {} },
        machine,
        { to: "ready" },
      ),
    ).rejects.toBe(unreachable);
  });
});
