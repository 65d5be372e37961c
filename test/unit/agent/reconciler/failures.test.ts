/**
 * What goes wrong during a join, and what the reconciler makes of it: a
 * failed or timed-out step moves the machine to fault with the reason and the
 * step's output (CA sees errorInfo), the host is cleaned, a conflict is
 * never retried into, and crash leftovers (expired tokens) are removed.
 */
import { describe, expect, it } from "vitest";
import { fixtureMachine, fixturePool } from "../../../support/agent/fixtures.ts";
import { reconcilerHarnesses, sentTransitions } from "../../../support/agent/reconciler-harness.ts";

const start = reconcilerHarnesses();

describe("reconciler: failures", () => {
  it("a failed join goes to fault with the step's output; CA sees errorInfo; the host is reset, its Node deleted", async () => {
    const pool = fixturePool({ name: "web" });
    const bad = fixtureMachine({ poolId: pool.id, status: "reserved", hostname: "bad" });
    const good = fixtureMachine({ poolId: pool.id, status: "reserved", hostname: "good" });
    const h = await start({
      pools: [pool],
      machines: [bad, good],
      prepare: (kube, work) => {
        work.failNext("join", bad.id, {
          step: "join.kubeadm-join",
          message: "kubeadm join exited with 1: error execution phase preflight",
          outputTail: "[preflight] Running pre-flight checks\nerror execution phase preflight",
        });
        // a Node it registered before failing must go too
        kube.addNode("bad", { providerId: `ksp://${bad.id}`, ready: false });
      },
    });
    await h.until("the good one ready", () => h.fake.machine(good.id).status === "ready");
    await h.until("the bad one in fault", () => h.fake.machine(bad.id).status === "fault");
    const m = h.fake.machine(bad.id);
    expect(m.statusReason).toBe(
      "join failed at join.kubeadm-join (command): kubeadm join exited with 1: error execution phase preflight",
    );
    expect(m.lastError).toContain("[preflight] Running pre-flight checks");
    await h.until("the cleanup", () =>
      h.work.calls.some((c) => c.kind === "reset" && c.machineId === bad.id),
    );
    await h.until("its Node gone", () => h.kube.node("bad") === undefined);
    await h.service.refresh();
    const instance = h.service.nodes("web").find((i) => i.id === `ksp://${bad.id}`);
    expect(instance).toMatchObject({
      state: "creating",
      errorInfo: { errorCode: "join-failed", instanceErrorClass: 1 },
    });
    expect(instance?.errorInfo?.errorMessage).toContain("[preflight] Running pre-flight checks");
    expect(h.metrics.operations).toContainEqual({ pool: "web", kind: "join", outcome: "failed" });
    expect(h.metrics.operations).toContainEqual({ pool: "web", kind: "cleanup", outcome: "succeeded" });
  });

  it("a Node that never becomes Ready within the registration timeout is a fault", async () => {
    const pool = fixturePool({ lifecycle: { ...fixturePool().lifecycle, registrationTimeoutSeconds: 1 } });
    const machine = fixtureMachine({ poolId: pool.id, status: "reserved", hostname: "mute" });
    const h = await start({
      pools: [pool],
      machines: [machine],
      prepare: (_kube, work) => (work.registersNodes = false),
    });
    await h.until("fault", () => h.fake.machine(machine.id).status === "fault", 8_000);
    expect(h.fake.machine(machine.id).statusReason).toMatch(
      new RegExp(`^no Ready Node with providerID ksp://${machine.id} within 1 s`),
    );
    expect(h.work.calls.map((c) => c.kind)).toEqual(["join", "reset"]);
  });

  it("a join that runs past joinTimeoutSeconds is aborted and a fault", async () => {
    const pool = fixturePool({ lifecycle: { ...fixturePool().lifecycle, joinTimeoutSeconds: 1 } });
    const machine = fixtureMachine({ poolId: pool.id, status: "reserved" });
    const h = await start({
      pools: [pool],
      machines: [machine],
      prepare: (_kube, work) => work.failNext("join", machine.id, "hang"),
    });
    await h.until("fault", () => h.fake.machine(machine.id).status === "fault", 8_000);
    expect(h.fake.machine(machine.id).statusReason).toMatch(
      /^join did not finish within 1 s \(joinTimeoutSeconds\); it was at join\.step/,
    );
  });

  it("a join that cannot even start (no cluster-info) is retried, then a fault naming why", async () => {
    const pool = fixturePool({ lifecycle: { ...fixturePool().lifecycle, joinTimeoutSeconds: 1 } });
    const machine = fixtureMachine({ poolId: pool.id, status: "reserved" });
    const h = await start({ pools: [pool], machines: [machine], prepare: (kube) => kube.setJoinInfo(null) });
    await h.until("fault", () => h.fake.machine(machine.id).status === "fault", 8_000);
    expect(h.fake.machine(machine.id).statusReason).toMatch(
      /^join did not finish within 1 s \(joinTimeoutSeconds\); the last attempt could not start: kube-public\/cluster-info not found/,
    );
    expect(h.work.calls.filter((c) => c.kind === "join")).toEqual([]);
    expect(h.metrics.operations.filter((o) => o.outcome === "retry").length).toBeGreaterThan(0);
  });

  it("a host whose key does not match is a fault and is not touched again", async () => {
    const pool = fixturePool();
    const machine = fixtureMachine({ poolId: pool.id, status: "reserved" });
    const h = await start({
      pools: [pool],
      machines: [machine],
      prepare: (_kube, work) =>
        work.failNext("join", machine.id, {
          step: "preflight.connectivity",
          errorClass: "host-key",
          message: "host key mismatch for root@10.0.0.1:22: expected SHA256:a, host presented SHA256:b",
          touchedHost: false,
        }),
    });
    await h.until("fault", () => h.fake.machine(machine.id).status === "fault");
    expect(h.fake.machine(machine.id).statusReason).toMatch(
      /^host key refused: host key mismatch for root@10\.0\.0\.1:22/,
    );
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(h.work.calls.map((c) => c.kind)).toEqual(["join"]);
  });

  it("a hostname that cannot be a Node name is a fault before anything runs", async () => {
    const pool = fixturePool();
    const machine = fixtureMachine({ poolId: pool.id, status: "reserved", hostname: "bad_name" });
    const h = await start({ pools: [pool], machines: [machine] });
    await h.until("fault", () => h.fake.machine(machine.id).status === "fault");
    expect(h.fake.machine(machine.id).statusReason).toMatch(/^cannot join: invalid hostname "bad_name"/);
    expect(h.work.calls).toEqual([]);
  });

  it("a machine someone else moved meanwhile is a conflict: it waits for a fresh view, never retries into it", async () => {
    const pool = fixturePool();
    const machine = fixtureMachine({ poolId: pool.id, status: "reserved" });
    const v = machine.version; // the fake control plane updates the fixture object in place
    // a long retry delay: only a fresh view may let it try again within this test
    const h = await start({
      pools: [pool],
      machines: [machine],
      follower: true,
      deps: { maxRetryDelayMs: 30_000 },
    });
    // changed behind the agent's back, and the agent's polls are held: its view stays stale
    const release = h.fake.holdStateAnswers();
    h.fake.change((f) => {
      f.machine(machine.id).version += 1;
    });
    h.leadership.leader = true;
    h.reconciler.trigger();
    await h.until("a conflict", () => h.metrics.operations.some((o) => o.outcome === "conflict"));
    await new Promise((resolve) => setTimeout(resolve, 200));
    release();
    expect(sentTransitions(h)).toHaveLength(1);
    expect(h.fake.machine(machine.id).status).toBe("reserved");
    await h.until(
      "ready once a poll showed the new version",
      () => h.fake.machine(machine.id).status === "ready",
    );
    expect(sentTransitions(h).map((t) => [t.to, t.expectedVersion])).toEqual([
      ["joining", v],
      ["joining", v + 1],
      ["ready", v + 2],
    ]);
  });

  it("deletes expired bootstrap tokens left by an earlier run when it starts, and keeps others'", async () => {
    const pool = fixturePool();
    const h = await start({
      pools: [pool],
      machines: [],
      prepare: (kube) => {
        kube.addForeignToken("abcdef", "0123456789abcdef", new Date(Date.now() - 60_000));
      },
    });
    expect(h.kube.callsOf("deleteExpired")).toHaveLength(1);
    expect(h.kube.bootstrapTokens.all.has("abcdef")).toBe(true);
  });
});
