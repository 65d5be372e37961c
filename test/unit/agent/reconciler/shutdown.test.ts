/**
 * A graceful stop: nothing new starts, operations in flight may finish
 * within the grace period, and what is still running then is aborted without
 * a status change (its write-ahead status tells the next leader where to
 * resume).
 */
import { describe, expect, it } from "vitest";
import { fixtureMachine, fixturePool } from "../../../support/agent/fixtures.ts";
import { reconcilerHarnesses, sentTransitions } from "../../../support/agent/reconciler-harness.ts";

const start = reconcilerHarnesses();

describe("reconciler: graceful stop", () => {
  it("lets a join in flight finish within the grace period, and starts nothing new meanwhile", async () => {
    const pool = fixturePool({ lifecycle: { ...fixturePool().lifecycle, maxConcurrentJoins: 1 } });
    const first = fixtureMachine({ poolId: pool.id, status: "reserved", hostname: "first" });
    const second = fixtureMachine({ poolId: pool.id, status: "reserved", hostname: "second" });
    const h = await start({
      pools: [pool],
      machines: [first, second],
      prepare: (_kube, work) => {
        work.holdJoins = true;
      },
    });
    const joining = await h.until("one join held on its host", () => h.work.held()[0]);
    const stopped = h.reconciler.stop({ graceMs: 5_000 });
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(h.reconciler.running().get(joining)).toBe("join"); // not aborted: it may finish
    h.work.release(joining);
    await stopped;
    expect(h.fake.machine(joining).status).toBe("ready");
    expect(h.metrics.operations).toContainEqual({ pool: pool.name, kind: "join", outcome: "succeeded" });
    // the cap had kept the other one waiting; a stopping reconciler does not start it
    const other = joining === first.id ? second.id : first.id;
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(h.fake.machine(other).status).toBe("reserved");
    expect(h.work.calls.filter((c) => c.kind === "join").map((c) => c.machineId)).toEqual([joining]);
  });

  it("aborts what is still running when the grace period ends, leaving the written-ahead status", async () => {
    const pool = fixturePool();
    const machine = fixtureMachine({ poolId: pool.id, status: "reserved" });
    const h = await start({
      pools: [pool],
      machines: [machine],
      prepare: (_kube, work) => {
        work.holdJoins = true;
      },
    });
    await h.until("the join held on its host", () => h.work.held().length === 1);
    const t0 = performance.now();
    await h.reconciler.stop({ graceMs: 200 });
    expect(performance.now() - t0).toBeGreaterThanOrEqual(190);
    expect(h.reconciler.running().size).toBe(0);
    expect(h.metrics.operations).toContainEqual({ pool: pool.name, kind: "join", outcome: "aborted" });
    expect(h.fake.machine(machine.id).status).toBe("joining");
    expect(sentTransitions(h).map((t) => t.to)).toEqual(["joining"]);
    expect(h.logs).toContainEqual(
      expect.objectContaining({
        msg: "stopping: aborting operations in flight; the next leader resumes them",
      }),
    );
  });
});
