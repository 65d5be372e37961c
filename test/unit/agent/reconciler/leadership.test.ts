/**
 * The reconciler across leadership changes: a replica that becomes leader
 * first clears what former leaders left (their join tokens, expired tokens)
 * and then works; one that stops leading aborts its operations in flight
 * without reporting anything, so the new leader resumes them from the
 * recorded status.
 */
import { describe, expect, it } from "vitest";
import { fixtureMachine, fixturePool } from "../../../support/agent/fixtures.ts";
import { reconcilerHarnesses, sentTransitions } from "../../../support/agent/reconciler-harness.ts";

const start = reconcilerHarnesses();
const HOUR = 3_600_000;

describe("reconciler: leadership", () => {
  it("a new leader deletes a former leader's join tokens before its first join, and keeps its own and operators'", async () => {
    const pool = fixturePool();
    const machine = fixtureMachine({ poolId: pool.id, status: "reserved" });
    let former = "";
    const h = await start({
      pools: [pool],
      machines: [machine],
      follower: true,
      prepare: (kube) => {
        void kube.bootstrapTokens
          .as("agent-old-leader")
          .create({ description: "join batch", ttlMs: HOUR })
          .then((t) => {
            former = t.id;
          });
        kube.addForeignToken("oper01", "0123456789abcdef", new Date(Date.now() + HOUR));
      },
    });
    await new Promise((resolve) => setTimeout(resolve, 100));
    // a standby leaves them alone: the leader's batches may be in use
    expect(h.kube.callsOf("deleteOrphaned")).toEqual([]);
    expect(h.kube.bootstrapTokens.all.has(former)).toBe(true);

    h.leadership.leader = true;
    await h.until("ready", () => h.fake.machine(machine.id).status === "ready");
    expect(h.kube.callsOf("deleteOrphaned")).toEqual([[[]]]);
    expect(h.kube.bootstrapTokens.all.has(former)).toBe(false);
    expect(h.kube.bootstrapTokens.all.has("oper01")).toBe(true);
    const order = h.kube.calls.map((c) => c.method);
    expect(order.indexOf("deleteOrphaned")).toBeLessThan(order.lastIndexOf("createToken")); // the batch's
    expect(h.logs).toContainEqual(
      expect.objectContaining({
        msg: "deleted bootstrap tokens left by earlier runs or leaders",
        orphaned: 1,
      }),
    );
  });

  it("a leader at start cleans up once, before anything else", async () => {
    const h = await start({ pools: [fixturePool()], machines: [] });
    expect(h.kube.callsOf("deleteExpired")).toHaveLength(1);
    expect(h.kube.callsOf("deleteOrphaned")).toEqual([[[]]]);
  });

  it("losing leadership aborts the operations in flight without a status change; leading again resumes them", async () => {
    const pool = fixturePool();
    const machine = fixtureMachine({ poolId: pool.id, status: "reserved" });
    const h = await start({
      pools: [pool],
      machines: [machine],
      prepare: (_kube, work) => {
        work.holdJoins = true;
      },
    });
    await h.until("the join to run on the host", () => h.work.calls.some((c) => c.kind === "join"));
    expect(h.reconciler.running().get(machine.id)).toBe("join");

    h.leadership.leader = false;
    await h.until("the join to end", () => h.reconciler.running().size === 0);
    expect(h.metrics.operations).toContainEqual({ pool: pool.name, kind: "join", outcome: "aborted" });
    // written ahead before the work: the status says where the next leader picks it up
    expect(h.fake.machine(machine.id).status).toBe("joining");
    expect(sentTransitions(h).map((t) => t.to)).toEqual(["joining"]);
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(h.reconciler.running().size).toBe(0); // a standby starts nothing

    h.work.holdJoins = false;
    h.leadership.leader = true;
    await h.until("ready", () => h.fake.machine(machine.id).status === "ready");
  });
});
