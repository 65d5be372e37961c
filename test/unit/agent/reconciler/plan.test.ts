/** planActions: what to start and stop, from statuses, Nodes, operations in flight, backoffs and caps. */
import { describe, expect, it } from "vitest";
import { type PlanInput, planActions } from "../../../../agent/reconciler/plan.ts";
import { buildView } from "../../../../agent/state/view.ts";
import { FakeKube } from "../../../support/agent/fake-kube.ts";
import { fixtureMachine, fixturePool, fixtureState } from "../../../support/agent/fixtures.ts";

const pool = fixturePool({
  name: "web",
  template: { labels: { tier: "web" } },
  lifecycle: { ...fixturePool().lifecycle, maxConcurrentJoins: 2, maxConcurrentRemovals: 1 },
});
const at = (second: number) => new Date(Date.UTC(2026, 0, 1, 0, 0, second)).toISOString();

async function plan(
  machines: ReturnType<typeof fixtureMachine>[],
  over: Partial<PlanInput> = {},
  kube = new FakeKube(),
) {
  await kube.nodeInformer.start();
  return planActions({
    view: buildView(fixtureState({ pools: [pool], machines })),
    nodes: kube.nodeInformer,
    running: new Map(),
    notBefore: new Map(),
    staleVersions: new Map(),
    now: Date.UTC(2026, 0, 1, 1),
    ...over,
  });
}

const summary = (actions: Awaited<ReturnType<typeof plan>>) =>
  actions.map((a) => (a.kind === "abort" ? `abort ${a.machineId}` : `${a.kind} ${a.machine.hostname}`));

describe("planActions", () => {
  it("joins reserved and joining machines, oldest first, within the pool's cap", async () => {
    const machines = [
      fixtureMachine({ poolId: pool.id, status: "reserved", hostname: "new", statusChangedAt: at(30) }),
      fixtureMachine({ poolId: pool.id, status: "joining", hostname: "mid", statusChangedAt: at(20) }),
      fixtureMachine({ poolId: pool.id, status: "reserved", hostname: "old", statusChangedAt: at(10) }),
    ];
    expect(summary(await plan(machines))).toEqual(["join old", "join mid"]);
  });

  it("counts operations in flight against the caps and never starts a second one on a machine", async () => {
    const a = fixtureMachine({ poolId: pool.id, status: "draining", hostname: "a" });
    const b = fixtureMachine({ poolId: pool.id, status: "leaving", hostname: "b" });
    const running = new Map([
      [a.id, { kind: "remove" as const, poolId: pool.id, expects: ["draining" as const] }],
    ]);
    expect(summary(await plan([a, b], { running }))).toEqual([]);
    expect(summary(await plan([a, b]))).toEqual(["remove a"]);
  });

  it("aborts an operation whose machine someone else moved, or that left the pool", async () => {
    const moved = fixtureMachine({ poolId: pool.id, status: "leaving", hostname: "moved" });
    const running = new Map([
      [moved.id, { kind: "join" as const, poolId: pool.id, expects: ["reserved", "joining"] as const }],
      ["gone", { kind: "remove" as const, poolId: pool.id, expects: ["leaving"] as const }],
    ]);
    expect(await plan([moved], { running })).toEqual([
      { kind: "abort", machineId: moved.id, reason: "the machine is leaving now" },
      { kind: "abort", machineId: "gone", reason: "the machine left the pool" },
    ]);
  });

  it("waits out a machine's backoff and a stale version", async () => {
    const m = fixtureMachine({ poolId: pool.id, status: "reserved", hostname: "m", version: 7 });
    const now = Date.UTC(2026, 0, 1, 1);
    expect(await plan([m], { notBefore: new Map([[m.id, now + 1]]) })).toEqual([]);
    expect(await plan([m], { staleVersions: new Map([[m.id, 7]]) })).toEqual([]);
    expect(summary(await plan([m], { staleVersions: new Map([[m.id, 6]]) }))).toEqual(["join m"]);
  });

  it("patches a ready machine's Node only when it lacks a label or taint", async () => {
    const m = fixtureMachine({ poolId: pool.id, status: "ready", hostname: "r" });
    const kube = new FakeKube();
    kube.addNode("r", { providerId: `ksp://${m.id}`, labels: { tier: "web" } });
    expect(summary(await plan([m], {}, kube))).toEqual(["labels r"]);
    const complete = new FakeKube();
    complete.addNode("r", {
      providerId: `ksp://${m.id}`,
      labels: { tier: "web", "kube-static-pool.io/pool": "web" },
    });
    expect(await plan([m], {}, complete)).toEqual([]);
  });

  it("drains a machine for maintenance when that is why it drains, sharing the pool's removal cap", async () => {
    const maintained = fixtureMachine({
      poolId: pool.id,
      status: "draining",
      drainIntent: "maintenance",
      hostname: "m",
      statusChangedAt: at(10),
    });
    const scaledDown = fixtureMachine({
      poolId: pool.id,
      status: "draining",
      hostname: "s",
      statusChangedAt: at(20),
    });
    // one removal at a time (maxConcurrentRemovals 1): the older drain goes first, whatever its intent
    expect(summary(await plan([maintained, scaledDown]))).toEqual(["maintenance m"]);
    const running = new Map([
      [maintained.id, { kind: "maintenance" as const, poolId: pool.id, expects: ["draining" as const] }],
    ]);
    expect(summary(await plan([maintained, scaledDown], { running }))).toEqual([]);
    expect(summary(await plan([{ ...maintained, drainIntent: null }]))).toEqual(["remove m"]);
  });

  it("uncordons a ready machine's Node only when the agent's maintenance mark is on it", async () => {
    const m = fixtureMachine({ poolId: pool.id, status: "ready", hostname: "r" });
    const labels = { tier: "web", "kube-static-pool.io/pool": "web" };
    const marked = new FakeKube();
    marked.addNode("r", {
      providerId: `ksp://${m.id}`,
      labels,
      unschedulable: true,
      cordonedFor: "maintenance",
    });
    expect(summary(await plan([m], {}, marked))).toEqual(["uncordon r"]);
    // an operator's cordon carries no mark: not the agent's to undo
    const byAdmin = new FakeKube();
    byAdmin.addNode("r", { providerId: `ksp://${m.id}`, labels, unschedulable: true });
    expect(await plan([m], {}, byAdmin)).toEqual([]);
    // still in maintenance: the Node stays cordoned
    const away = new FakeKube();
    away.addNode("r", {
      providerId: `ksp://${m.id}`,
      labels,
      unschedulable: true,
      cordonedFor: "maintenance",
    });
    expect(await plan([{ ...m, status: "maintenance" }], {}, away)).toEqual([]);
  });

  it("leaves alone what needs no work: available, fault, maintenance, archived", async () => {
    const machines = (["available", "fault", "maintenance", "archived"] as const).map((status) =>
      fixtureMachine({ poolId: pool.id, status }),
    );
    expect(await plan(machines)).toEqual([]);
  });
});
