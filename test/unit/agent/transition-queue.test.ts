/**
 * The offline transition queue (agent/state/transition-queue.ts): what it
 * shows over the view, how it is bounded and persisted, how it flushes in
 * order with each item still guarded, and what a refusal drops; and the
 * sync loop that flushes it before it polls.
 */
import { afterEach, describe, expect, it } from "vitest";
import { ControlPlaneError } from "../../../agent/control-plane/errors.ts";
import { createAgentCore } from "../../../agent/core.ts";
import { createStateStore, type StateStore } from "../../../agent/state/store.ts";
import { createSyncLoop, type SyncLoop } from "../../../agent/state/sync-loop.ts";
import {
  createTransitionQueue,
  type TransitionQueue,
  type TransitionQueuePersistence,
} from "../../../agent/state/transition-queue.ts";
import type { AgentMachine, TransitionItem } from "../../../proto/agent-api.ts";
import { createLogger } from "../../../shared/logger.ts";
import { FakeControlPlane } from "../../support/agent/fake-control-plane.ts";
import { fixtureMachine, fixturePool } from "../../support/agent/fixtures.ts";
import { SettableLeadership } from "../../support/agent/settable-leadership.ts";

/** A persisted queue in memory; `failWrites` makes every write fail. */
class MemoryPersistence implements TransitionQueuePersistence {
  readonly where = "memory";
  text: string | null = null;
  writes = 0;
  failWrites = false;
  failReads = false;
  async read() {
    if (this.failReads) throw new Error("read failed (test)");
    return this.text;
  }
  async write(text: string) {
    if (this.failWrites) throw new Error("write failed (test)");
    this.writes++;
    this.text = text;
  }
  items(): TransitionItem[] {
    return this.text === null
      ? []
      : (JSON.parse(this.text).items as { item: TransitionItem }[]).map((e) => e.item);
  }
}

const loops: SyncLoop[] = [];
const queues: TransitionQueue[] = [];
afterEach(async () => {
  for (const q of queues.splice(0)) q.stop();
  await Promise.all(loops.splice(0).map((l) => l.stop()));
});

function setup(
  machines: AgentMachine[],
  options: { capacity?: number; maxBytes?: number; leadership?: SettableLeadership } = {},
) {
  const pool = fixturePool({ name: "p", maxSize: 10 });
  const owned = machines.map((m) => ({ ...m, poolId: pool.id, providerId: `ksp://${m.id}` }));
  const fake = new FakeControlPlane({ pools: [pool], machines: owned });
  const persistence = new MemoryPersistence();
  const logs: Record<string, unknown>[] = [];
  const logger = createLogger({ sink: (line) => logs.push(JSON.parse(line)) });
  const queued: number[] = [];
  const makeStore = () => {
    const store = createStateStore();
    store.replace(fake.snapshot(), fake.etag(), store.mutationMark());
    return store;
  };
  const makeQueue = (store: StateStore) => {
    const queue = createTransitionQueue({
      store,
      controlPlane: fake,
      persistence,
      clock: { now: () => new Date() },
      logger,
      metrics: { setTransitionsQueued: (n) => queued.push(n) },
      ...options,
    });
    queues.push(queue);
    return queue;
  };
  const store = makeStore();
  const queue = makeQueue(store);
  const item = (m: AgentMachine, from: AgentMachine["status"], to: AgentMachine["status"], v: number) => ({
    machineId: m.id,
    from,
    to,
    expectedVersion: v,
    reason: `test: ${from} → ${to}`,
  });
  const shown = (s: StateStore, m: AgentMachine) => s.view().machinesById.get(m.id)!;
  const sent = () =>
    fake.calls.filter((c) => c.method === "transitions").map((c) => c.args as TransitionItem[]);
  return { fake, store, queue, persistence, logs, queued, item, shown, sent, makeStore, makeQueue };
}

describe("transition queue", () => {
  it("shows a queued change at once at its predicted version, persists it, and a restart shows it again", async () => {
    const m = fixtureMachine({ status: "joining", version: 4 });
    const { store, queue, persistence, queued, item, shown, makeStore, makeQueue } = setup([m]);
    await queue.start();
    const change = await queue.enqueue({ ...item(m, "joining", "ready", 4), nodeName: "node-a" });
    expect(change).toMatchObject({
      machineId: m.id,
      version: 5,
      set: { status: "ready", nodeName: "node-a" },
    });
    expect(shown(store, m)).toMatchObject({ status: "ready", version: 5, nodeName: "node-a" });
    expect(store.view().poolsByName.get("p")!.instances[0]!.info.state).toBe("running");
    expect(queue.holds(m.id)).toBe(true);
    expect(persistence.items()).toEqual([{ ...item(m, "joining", "ready", 4), nodeName: "node-a" }]);
    expect(queued.at(-1)).toBe(1);

    // a restart: a new store polled from the (unchanged) control plane, a new queue over the same persistence
    const after = makeStore();
    expect(shown(after, m).status).toBe("joining");
    const reloaded = makeQueue(after);
    await reloaded.start();
    expect(reloaded.size()).toBe(1);
    expect(shown(after, m)).toMatchObject({ status: "ready", version: 5 });
  });

  it("keeps queued changes over any poll until they are flushed", async () => {
    const m = fixtureMachine({ status: "draining", version: 2 });
    const { fake, store, queue, item, shown } = setup([m]);
    await queue.start();
    await queue.enqueue(item(m, "draining", "leaving", 2));
    // a poll made after the change (and at a newer state version) does not know it: the queue does
    fake.change(() => {});
    store.replace(fake.snapshot(), fake.etag(), store.mutationMark());
    expect(shown(store, m)).toMatchObject({ status: "leaving", version: 3 });
    // our own confirmed changes of other machines, too, leave it alone
    store.applyLocal([{ machineId: m.id, version: 2, set: { statusReason: "older" } }]);
    expect(shown(store, m)).toMatchObject({ status: "leaving", version: 3 });
  });

  it("flushes in order: a machine's items one after another, the next guarded by the version the previous got", async () => {
    const a = fixtureMachine({ status: "draining", version: 5 });
    const b = fixtureMachine({ status: "joining", version: 2 });
    const { fake, store, queue, persistence, queued, item, shown, sent } = setup([a, b]);
    await queue.start();
    await queue.enqueue(item(a, "draining", "leaving", 5));
    await queue.enqueue(item(b, "joining", "fault", 2));
    await queue.enqueue(item(a, "leaving", "available", 6));
    expect(shown(store, a)).toMatchObject({ status: "available", version: 7, providerId: null });

    expect(await queue.flush()).toEqual({ applied: 3, dropped: 0 });
    // the oldest item of each machine per batch, in queue order
    expect(
      sent().map((batch) =>
        batch.map((i) => `${i.machineId === a.id ? "a" : "b"}:${i.to}@${i.expectedVersion}`),
      ),
    ).toEqual([["a:leaving@5", "b:fault@2"], ["a:available@6"]]);
    expect(fake.machine(a.id)).toMatchObject({ status: "available", version: 7 });
    expect(fake.machine(b.id)).toMatchObject({ status: "fault", version: 3 });
    expect(queue.size()).toBe(0);
    expect(persistence.items()).toEqual([]);
    expect(queued.at(-1)).toBe(0);
    // confirmed locally at once, before any poll
    expect(shown(store, a)).toMatchObject({ status: "available", version: 7 });
    expect(shown(store, b)).toMatchObject({ status: "fault", version: 3 });
  });

  it("counts an item the control plane already has as done, and guards the next with the version it reports", async () => {
    const m = fixtureMachine({ status: "draining", version: 5 });
    const { fake, queue, item, sent } = setup([m]);
    await queue.start();
    await queue.enqueue(item(m, "draining", "leaving", 5));
    await queue.enqueue(item(m, "leaving", "available", 6));
    // the first report did land before the outage, only its answer was lost; then someone touched the machine
    fake.change((f) => Object.assign(f.machine(m.id), { status: "leaving", version: 9 }));
    expect(await queue.flush()).toEqual({ applied: 2, dropped: 0 });
    expect(sent()[1]).toEqual([expect.objectContaining({ to: "available", expectedVersion: 9 })]);
    expect(fake.machine(m.id)).toMatchObject({ status: "available", version: 10 });
  });

  it("drops a refused item and its machine's later ones with a warning; other machines' items land", async () => {
    const moved = fixtureMachine({ status: "joining", version: 3 });
    const other = fixtureMachine({ status: "joining", version: 1 });
    const { fake, store, queue, logs, item, shown } = setup([moved, other]);
    await queue.start();
    await queue.enqueue(item(moved, "joining", "ready", 3));
    await queue.enqueue(item(moved, "ready", "draining", 4));
    await queue.enqueue(item(other, "joining", "ready", 1));
    // CA cancelled the join meanwhile: the machine is leaving at the control plane
    fake.change((f) => Object.assign(f.machine(moved.id), { status: "leaving", version: 4 }));
    expect(await queue.flush()).toEqual({ applied: 1, dropped: 2 });
    expect(fake.machine(moved.id)).toMatchObject({ status: "leaving", version: 4 });
    expect(fake.machine(other.id)).toMatchObject({ status: "ready", version: 2 });
    const warning = logs.find((l) => String(l.msg).startsWith("a queued transition was refused"));
    expect(warning).toMatchObject({
      level: "warn",
      machineId: moved.id,
      from: "joining",
      to: "ready",
      code: "stale_version",
      dropped: 2,
    });
    // the overlay is gone: the machine shows as we knew it until the next poll brings the control plane's view
    expect(shown(store, moved)).toMatchObject({ status: "joining", version: 3 });
    store.replace(fake.snapshot(), fake.etag(), store.mutationMark());
    expect(shown(store, moved)).toMatchObject({ status: "leaving", version: 4 });
  });

  it("keeps everything and rejects while the control plane is unreachable", async () => {
    const m = fixtureMachine({ status: "joining", version: 1 });
    const { fake, queue, persistence, item } = setup([m]);
    await queue.start();
    await queue.enqueue(item(m, "joining", "ready", 1));
    fake.setOutage(true);
    await expect(queue.flush()).rejects.toMatchObject({ kind: "unreachable" });
    fake.setOutage(false);
    fake.failNext(
      "transitions",
      new ControlPlaneError({ kind: "http", status: 503, code: "unavailable", message: "down" }),
    );
    await expect(queue.flush()).rejects.toMatchObject({ status: 503 });
    expect(queue.size()).toBe(1);
    expect(persistence.items()).toHaveLength(1);
    expect(await queue.flush()).toEqual({ applied: 1, dropped: 0 });
  });

  it("drops a batch the control plane refuses as a whole (it can never be accepted), but not on a refused credential", async () => {
    const m = fixtureMachine({ status: "joining", version: 1 });
    const { fake, queue, logs, item } = setup([m]);
    await queue.start();
    await queue.enqueue(item(m, "joining", "ready", 1));
    fake.failNext(
      "transitions",
      new ControlPlaneError({ kind: "http", status: 401, code: "unauthorized", message: "no" }),
    );
    await expect(queue.flush()).rejects.toMatchObject({ status: 401 });
    expect(queue.size()).toBe(1);
    fake.failNext(
      "transitions",
      new ControlPlaneError({ kind: "http", status: 400, code: "validation_failed", message: "bad item" }),
    );
    expect(await queue.flush()).toEqual({ applied: 0, dropped: 1 });
    expect(logs.find((l) => String(l.msg).startsWith("a queued transition was refused"))).toMatchObject({
      code: "validation_failed",
    });
  });

  it("is bounded: a full queue refuses (by count or by size), and takes reports again once there is room", async () => {
    const [a, b, c] = [1, 2, 3].map(() => fixtureMachine({ status: "joining", version: 1 }));
    const { queue, logs, item } = setup([a!, b!, c!], { capacity: 2 });
    await queue.start();
    expect(await queue.enqueue(item(a!, "joining", "ready", 1))).not.toBeNull();
    expect(await queue.enqueue(item(b!, "joining", "ready", 1))).not.toBeNull();
    expect(await queue.enqueue(item(c!, "joining", "ready", 1))).toBeNull();
    expect(queue.size()).toBe(2);
    expect(logs.filter((l) => String(l.msg).startsWith("the transition queue is full"))).toHaveLength(1);
    await queue.flush();
    expect(await queue.enqueue(item(c!, "joining", "ready", 1))).not.toBeNull();

    const small = setup([a!], { maxBytes: 600 });
    await small.queue.start();
    expect(await small.queue.enqueue(small.item(a!, "joining", "fault", 1))).not.toBeNull();
    expect(
      await small.queue.enqueue({ ...small.item(a!, "fault", "available", 2), lastError: "x".repeat(600) }),
    ).toBeNull();
  });

  it("queues nothing it could not persist; a failed write after a flush is caught up later", async () => {
    const m = fixtureMachine({ status: "joining", version: 1 });
    const n = fixtureMachine({ status: "joining", version: 1 });
    const { store, queue, persistence, item, shown } = setup([m, n]);
    await queue.start();
    persistence.failWrites = true;
    expect(await queue.enqueue(item(m, "joining", "ready", 1))).toBeNull();
    expect(queue.size()).toBe(0);
    expect(shown(store, m).status).toBe("joining");

    persistence.failWrites = false;
    await queue.enqueue(item(m, "joining", "ready", 1));
    await queue.enqueue(item(n, "joining", "ready", 1));
    persistence.failWrites = true;
    // the control plane has them: the queue forgets them even though the file still lists them
    expect(await queue.flush()).toEqual({ applied: 2, dropped: 0 });
    expect(queue.size()).toBe(0);
    expect(persistence.items()).toHaveLength(2);
    persistence.failWrites = false;
    await queue.enqueue(item(m, "ready", "draining", 2));
    expect(persistence.items()).toEqual([item(m, "ready", "draining", 2)]);
  });

  it("starts empty from a persisted queue it cannot understand, and queues nothing while it cannot read it", async () => {
    const m = fixtureMachine({ status: "joining", version: 1 });
    const { queue, persistence, logs, item } = setup([m]);
    persistence.text = "{not json";
    await queue.start();
    expect(queue.size()).toBe(0);
    expect(logs.find((l) => l.level === "error")?.msg).toMatch(/unreadable; starting with an empty queue/);

    const other = setup([m]);
    other.persistence.text = JSON.stringify({
      format: 1,
      items: [{ seq: 1, queuedAt: new Date().toISOString(), item: item(m, "joining", "ready", 1) }],
    });
    other.persistence.failReads = true;
    await other.queue.start();
    // the persisted one could hold reports: writing over it would lose them
    expect(await other.queue.enqueue(item(m, "joining", "ready", 1))).toBeNull();
    other.persistence.failReads = false;
    // read again before the next flush
    expect(await other.queue.flush()).toEqual({ applied: 1, dropped: 0 });
  });

  it("is the leader's: a standby queues and sends nothing; a new leader reads it again, a former one forgets it", async () => {
    const m = fixtureMachine({ status: "joining", version: 1 });
    const leadership = new SettableLeadership("agent-1", false);
    const { store, queue, persistence, item, shown, sent } = setup([m], { leadership });
    persistence.text = JSON.stringify({
      format: 1,
      items: [{ seq: 7, queuedAt: new Date().toISOString(), item: item(m, "joining", "ready", 1) }],
    });
    await queue.start();
    expect(shown(store, m).status).toBe("ready"); // read on start, before the election decided
    expect(await queue.enqueue(item(m, "ready", "draining", 2))).toBeNull();
    expect(await queue.flush()).toEqual({ applied: 0, dropped: 0 });
    expect(sent()).toEqual([]);

    leadership.leader = true;
    expect(await queue.flush()).toEqual({ applied: 1, dropped: 0 });

    await queue.enqueue(item(m, "ready", "draining", 2));
    leadership.leader = false;
    await queue.flush();
    expect(queue.size()).toBe(0);
    expect(shown(store, m).status).toBe("ready");
    // the next leader finds it where it was
    expect(persistence.items()).toEqual([item(m, "ready", "draining", 2)]);
  });
});

describe("sync loop with a transition queue", () => {
  function loopOver(s: ReturnType<typeof setup>) {
    const loop = createSyncLoop({
      controlPlane: s.fake,
      store: s.store,
      clock: { now: () => new Date() },
      logger: createLogger({ sink: () => {} }),
      intervalMs: 60_000,
      backoffBaseMs: 5,
      backoffMaxMs: 60_000,
      queue: s.queue,
      queuedBackoffMaxMs: 20,
    });
    loops.push(loop);
    return loop;
  }

  it("flushes before it polls, and does not poll while the flush fails", async () => {
    const m = fixtureMachine({ status: "joining", version: 1 });
    const s = setup([m]);
    await s.queue.start();
    await s.queue.enqueue(s.item(m, "joining", "ready", 1));
    s.fake.setOutage(true);
    const loop = loopOver(s);
    await loop.start();
    expect(s.fake.calls.map((c) => c.method)).toEqual(["transitions"]);
    expect(loop.lastError()).toMatch(/control plane down/);

    s.fake.setOutage(false);
    // retried within queuedBackoffMaxMs though the general backoff would allow a minute
    await waitUntil(() => loop.lastSuccessAt() !== null, 2_000);
    const methods = s.fake.calls.map((c) => c.method);
    expect(methods.at(-2)).toBe("transitions");
    expect(methods.at(-1)).toBe("state");
    expect(s.queue.size()).toBe(0);
    expect(s.shown(s.store, m)).toMatchObject({ status: "ready", version: 2 });
  });
});

describe("agent core with a transition queue", () => {
  it("loads the persisted queue before the first sync and shows it over the first state", async () => {
    const pool = fixturePool({ name: "p" });
    const m = fixtureMachine({ poolId: pool.id, status: "joining", version: 3 });
    const fake = new FakeControlPlane({ pools: [pool], machines: [m] });
    const persistence = new MemoryPersistence();
    persistence.text = JSON.stringify({
      format: 1,
      items: [
        {
          seq: 1,
          queuedAt: new Date().toISOString(),
          item: { machineId: m.id, from: "joining", to: "ready", expectedVersion: 3, nodeName: "n-1" },
        },
      ],
    });
    fake.setOutage(true);
    const core = createAgentCore({
      controlPlane: fake,
      clock: { now: () => new Date() },
      logger: createLogger({ sink: () => {} }),
      leadership: new SettableLeadership("agent-0"),
      gpuLabel: "nvidia.com/gpu.product",
      syncIntervalMs: 60_000,
      transitionQueue: { persistence },
    });
    await core.start();
    expect(core.queue?.size()).toBe(1);
    fake.setOutage(false);
    await core.service.refresh();
    expect(fake.machine(m.id)).toMatchObject({ status: "ready", version: 4, nodeName: "n-1" });
    expect(core.store.view().machinesById.get(m.id)).toMatchObject({ status: "ready", version: 4 });
    expect(core.readiness()).toEqual({ ready: true });
    await core.stop();
  });
});

async function waitUntil(check: () => boolean, ms: number): Promise<void> {
  const end = Date.now() + ms;
  while (!check()) {
    if (Date.now() > end) throw new Error("condition not met in time");
    await new Promise((r) => setTimeout(r, 2));
  }
}
