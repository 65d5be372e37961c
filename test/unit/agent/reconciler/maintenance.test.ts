/**
 * Maintenance through the reconciler: a machine drained for a maintenance
 * order is cordoned with the agent's mark, drained through evictions and
 * reported draining → maintenance, its Node kept (no reset, no deletion);
 * once it is ready again the marked Node is uncordoned. An operator's own
 * cordon (no mark) is never undone.
 */
import { setTimeout as sleep } from "node:timers/promises";
import { describe, expect, it } from "vitest";
import type { AgentMachine } from "../../../../proto/agent-api.ts";
import { fixtureMachine, fixturePool } from "../../../support/agent/fixtures.ts";
import { testPod } from "../../../support/agent/kube-pods.ts";
import {
  type ReconcilerHarness,
  reconcilerHarnesses,
  sentTransitions,
} from "../../../support/agent/reconciler-harness.ts";

const start = reconcilerHarnesses();
const STARTUP = ["start", "deleteExpired", "deleteOrphaned"];
const POOL_LABELS = (poolName: string) => ({ "kube-static-pool.io/pool": poolName });

/** A machine draining for maintenance since now (its drain timeout runs from then), whose Node is `node-<n>`. */
function drainingForMaintenance(poolId: string, n: number): AgentMachine {
  return fixtureMachine({
    poolId,
    status: "draining",
    drainIntent: "maintenance",
    hostname: `node-${n}`,
    nodeName: `node-${n}`,
    statusChangedAt: new Date().toISOString(),
  });
}

const kubeCalls = (h: ReconcilerHarness) =>
  h.kube.calls.map((c) => c.method).filter((m) => !STARTUP.includes(m));

/** What the control plane does when the maintenance is completed: the machine is back in service. */
function backInService(h: ReconcilerHarness, machineId: string): void {
  h.fake.change((f) => {
    const m = f.machine(machineId);
    Object.assign(m, { status: "ready", version: m.version + 1, statusChangedAt: new Date().toISOString() });
  });
}

describe("reconciler: maintenance", () => {
  it("cordons with the mark, drains through evictions, reports maintenance and stops: no reset, the Node kept", async () => {
    const pool = fixturePool();
    const machine = drainingForMaintenance(pool.id, 1);
    const h = await start({
      pools: [pool],
      machines: [machine],
      prepare: (kube, work) => {
        kube.addNode("node-1", { providerId: `ksp://${machine.id}`, labels: POOL_LABELS(pool.name) });
        kube.addPod(testPod({ name: "web-1", node: "node-1" }));
        kube.addPod(testPod({ name: "agent", node: "node-1", owner: "DaemonSet" }));
        work.joined.set(machine.id, `ksp://${machine.id}`);
      },
    });
    await h.until("maintenance", () => h.fake.machine(machine.id).status === "maintenance");
    expect(sentTransitions(h).map((t) => [t.from, t.to])).toEqual([["draining", "maintenance"]]);
    expect(h.fake.machine(machine.id)).toMatchObject({
      drainIntent: null,
      nodeName: "node-1",
      providerId: `ksp://${machine.id}`,
    });
    expect(kubeCalls(h)).toEqual(["cordonWithMark", "drain"]);
    expect(h.kube.callsOf("cordonWithMark")).toEqual([["node-1", "maintenance"]]);
    expect(h.kube.node("node-1")).toMatchObject({ unschedulable: true, cordonedFor: "maintenance" });
    expect(h.kube.pods("node-1")).toEqual(["default/agent"]);
    expect(h.metrics.drains).toHaveLength(1);

    // and nothing more: the host is not reset, the Node stays cordoned
    await sleep(200);
    expect(h.work.calls).toEqual([]);
    expect(h.work.joined.has(machine.id)).toBe(true);
    expect(kubeCalls(h)).toEqual(["cordonWithMark", "drain"]);
    expect(h.metrics.operations).toEqual([{ pool: pool.name, kind: "maintenance", outcome: "succeeded" }]);
  });

  it("back in service: the marked Node is uncordoned and unmarked once; an operator's cordon stays", async () => {
    const pool = fixturePool();
    const machine = drainingForMaintenance(pool.id, 1);
    const adminCordoned = fixtureMachine({
      poolId: pool.id,
      status: "ready",
      hostname: "node-2",
      nodeName: "node-2",
    });
    const h = await start({
      pools: [pool],
      machines: [machine, adminCordoned],
      prepare: (kube) => {
        kube.addNode("node-1", { providerId: `ksp://${machine.id}`, labels: POOL_LABELS(pool.name) });
        kube.addNode("node-2", {
          providerId: `ksp://${adminCordoned.id}`,
          labels: POOL_LABELS(pool.name),
          unschedulable: true,
        });
      },
    });
    await h.until("maintenance", () => h.fake.machine(machine.id).status === "maintenance");
    backInService(h, machine.id);
    await h.until("node-1 uncordoned", () => h.kube.node("node-1")?.unschedulable === false);
    expect(h.kube.node("node-1")?.cordonedFor).toBeNull();
    await sleep(200);
    expect(h.kube.callsOf("uncordonMarked")).toEqual([["node-1", "maintenance"]]);
    expect(h.kube.node("node-2")).toMatchObject({ unschedulable: true, cordonedFor: null });
    expect(h.fake.machine(machine.id).status).toBe("ready");
  });

  it("drains a Node an operator had cordoned, but leaves it unmarked: it stays cordoned after the maintenance", async () => {
    const pool = fixturePool();
    const machine = drainingForMaintenance(pool.id, 1);
    const h = await start({
      pools: [pool],
      machines: [machine],
      prepare: (kube) => {
        kube.addNode("node-1", {
          providerId: `ksp://${machine.id}`,
          labels: POOL_LABELS(pool.name),
          unschedulable: true,
        });
        kube.addPod(testPod({ name: "web-1", node: "node-1" }));
      },
    });
    await h.until("maintenance", () => h.fake.machine(machine.id).status === "maintenance");
    expect(h.kube.pods("node-1")).toEqual([]);
    expect(h.kube.node("node-1")).toMatchObject({ unschedulable: true, cordonedFor: null });
    backInService(h, machine.id);
    await sleep(200);
    expect(h.kube.node("node-1")).toMatchObject({ unschedulable: true, cordonedFor: null });
    expect(h.kube.callsOf("uncordonMarked")).toEqual([]);
  });

  it("resumes a drain a restart cut short: the mark is there already, the rest is drained", async () => {
    const pool = fixturePool();
    const machine = drainingForMaintenance(pool.id, 1);
    const h = await start({
      pools: [pool],
      machines: [machine],
      prepare: (kube) => {
        kube.addNode("node-1", {
          providerId: `ksp://${machine.id}`,
          labels: POOL_LABELS(pool.name),
          unschedulable: true,
          cordonedFor: "maintenance",
        });
        kube.addPod(testPod({ name: "web-2", node: "node-1" }));
      },
    });
    await h.until("maintenance", () => h.fake.machine(machine.id).status === "maintenance");
    expect(h.kube.pods("node-1")).toEqual([]);
    expect(h.kube.node("node-1")).toMatchObject({ unschedulable: true, cordonedFor: "maintenance" });
  });

  it("respects a PodDisruptionBudget: the drain waits for it, and one that never allows it is a fault", async () => {
    const pool = fixturePool({ drain: { ...fixturePool().drain, timeoutSeconds: 1 } });
    const waits = drainingForMaintenance(pool.id, 1);
    const h = await start({
      pools: [pool],
      machines: [waits],
      prepare: (kube) => {
        kube.addNode("node-1", { providerId: `ksp://${waits.id}`, labels: POOL_LABELS(pool.name) });
        kube.addPod(testPod({ name: "db-0", node: "node-1" }), { pdbBlocked: true });
      },
    });
    await h.until("the drain to be refused by the budget", () => h.kube.node("node-1")?.unschedulable);
    await sleep(100);
    expect(h.fake.machine(waits.id).status).toBe("draining");
    expect(h.kube.pods("node-1")).toEqual(["default/db-0"]);
    await h.until("fault", () => h.fake.machine(waits.id).status === "fault", 5_000);
    expect(h.fake.machine(waits.id).statusReason).toMatch(/^drain did not finish within 1 s/);
    // left as it is for the operator: cordoned (with the mark), the pod still there, nothing reset
    expect(h.kube.node("node-1")).toMatchObject({ unschedulable: true, cordonedFor: "maintenance" });
    expect(h.kube.pods("node-1")).toEqual(["default/db-0"]);
    expect(h.work.calls).toEqual([]);
    expect(sentTransitions(h).map((t) => [t.from, t.to])).toEqual([["draining", "fault"]]);
  });

  it("a maintenance drain called off (back to ready) is aborted and its cordon undone", async () => {
    const pool = fixturePool();
    const machine = drainingForMaintenance(pool.id, 1);
    const h = await start({
      pools: [pool],
      machines: [machine],
      prepare: (kube) => {
        kube.addNode("node-1", { providerId: `ksp://${machine.id}`, labels: POOL_LABELS(pool.name) });
        kube.addPod(testPod({ name: "db-0", node: "node-1" }), { pdbBlocked: true });
      },
    });
    await h.until("cordoned and marked", () => h.kube.node("node-1")?.cordonedFor === "maintenance");
    backInService(h, machine.id);
    await h.until("uncordoned", () => h.kube.node("node-1")?.unschedulable === false);
    expect(h.kube.node("node-1")?.cordonedFor).toBeNull();
    expect(h.kube.pods("node-1")).toEqual(["default/db-0"]);
    expect(h.fake.machine(machine.id).status).toBe("ready");
    expect(sentTransitions(h)).toEqual([]);
    expect(h.metrics.operations.map((o) => `${o.kind} ${o.outcome}`)).toEqual([
      "maintenance aborted",
      "uncordon succeeded",
    ]);
  });
});
