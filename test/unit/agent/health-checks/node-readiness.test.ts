/**
 * The Node of a ready machine: NotReady (or gone, or being deleted) at the
 * pool's threshold of checks in a row, one interval apart, moves the machine
 * to fault, which Cluster Autoscaler then reads as an instance with
 * errorInfo; a Ready Node ends the streak; a machine the reconciler is
 * working on is left alone.
 */
import { describe, expect, it } from "vitest";
import { DEFAULT_POOL_LIFECYCLE } from "../../../../proto/agent-api.ts";
import { fixtureMachine, fixturePool } from "../../../support/agent/fixtures.ts";
import { healthHarnesses } from "../../../support/agent/health-harness.ts";

const start = healthHarnesses();
const MINUTE = 60_000;

const readyMachine = (poolId: string) => fixtureMachine({ poolId, status: "ready" });

describe("health checks: Node Ready of ready machines", () => {
  it("NotReady at 3 checks a minute apart moves the machine to fault; CA sees the error", async () => {
    const p = fixturePool({ lifecycle: { ...DEFAULT_POOL_LIFECYCLE } });
    const m = readyMachine(p.id);
    const h = await start({
      pools: [p],
      machines: [m],
      prepare: (kube) => kube.addNode(m.nodeName!, { providerId: `ksp://${m.id}`, ready: true }),
    });
    await h.pass();
    h.kube.setReady(m.nodeName!, false);
    h.advance(MINUTE);
    await h.pass();
    h.advance(20_000);
    await h.pass(); // not due: still two failures
    h.advance(40_000);
    await h.pass();
    expect(h.machine(m.id).status).toBe("ready");
    h.advance(MINUTE);
    await h.pass();

    const moved = h.machine(m.id);
    expect(moved.status).toBe("fault");
    expect(moved.statusReason).toBe(
      `health: node ${m.nodeName} is NotReady at 3 checks in a row, 60 s apart (threshold 3)`,
    );
    expect(h.metrics.failures).toEqual(Array(3).fill({ pool: p.name, check: "node-ready" }));
    expect(h.metrics.transitions).toEqual([{ pool: p.name, to: "fault" }]);

    const [instance] = h.service.nodes(p.name);
    expect(instance).toMatchObject({
      id: `ksp://${m.id}`,
      state: "creating",
      errorInfo: { errorMessage: moved.statusReason },
    });
  });

  it("a Ready check ends the streak", async () => {
    const p = fixturePool({ lifecycle: { ...DEFAULT_POOL_LIFECYCLE, healthFailureThreshold: 2 } });
    const m = readyMachine(p.id);
    const h = await start({
      pools: [p],
      machines: [m],
      prepare: (kube) => kube.addNode(m.nodeName!, { providerId: `ksp://${m.id}`, ready: false }),
    });
    await h.pass();
    h.kube.setReady(m.nodeName!, true);
    h.advance(MINUTE);
    await h.pass();
    h.kube.setReady(m.nodeName!, false);
    h.advance(MINUTE);
    await h.pass();
    expect(h.machine(m.id).status).toBe("ready");
    h.advance(MINUTE);
    await h.pass();
    expect(h.machine(m.id).status).toBe("fault");
  });

  it("a missing Node counts, but not while the reconciler works on the machine", async () => {
    const p = fixturePool({ lifecycle: { ...DEFAULT_POOL_LIFECYCLE, healthFailureThreshold: 2 } });
    const gone = readyMachine(p.id);
    const busy = readyMachine(p.id);
    const h = await start({ pools: [p], machines: [gone, busy] });
    h.running.set(busy.id, "labels");
    await h.pass();
    h.advance(MINUTE);
    await h.pass();
    expect(h.machine(gone.id)).toMatchObject({
      status: "fault",
      statusReason: `health: no Node with providerID ksp://${gone.id} at 2 checks in a row, 60 s apart (threshold 2)`,
    });
    expect(h.machine(busy.id).status).toBe("ready");
    expect(h.metrics.failures).toHaveLength(2);
  });

  it("a follower, or a replica whose Node list is not in yet, checks nothing", async () => {
    const p = fixturePool({ lifecycle: { ...DEFAULT_POOL_LIFECYCLE, healthFailureThreshold: 1 } });
    const m = readyMachine(p.id);
    const h = await start({ pools: [p], machines: [m] });
    h.leadership.leader = false;
    await h.pass();
    expect(h.machine(m.id).status).toBe("ready");
    h.leadership.leader = true;
    await h.kube.nodeInformer.stop();
    await h.pass();
    expect(h.machine(m.id).status).toBe("ready");
    expect(h.metrics.failures).toEqual([]);
    await h.kube.nodeInformer.start();
    await h.pass();
    expect(h.machine(m.id).status).toBe("fault");
  });
});
