/**
 * SSH probes of free machines: a failure streak of the pool's threshold, one
 * interval apart, moves an available machine to fault with the last failure
 * as its reason; a pass ends the streak; what is not the machine's fault does
 * not count; an auto-repair pool's fault machines come back after as many
 * passes, unless a Node still carries their providerID.
 */
import { describe, expect, it } from "vitest";
import { DEFAULT_POOL_LIFECYCLE } from "../../../../proto/agent-api.ts";
import { fixtureMachine, fixtureMachines, fixturePool } from "../../../support/agent/fixtures.ts";
import { healthHarnesses, sentTransitions } from "../../../support/agent/health-harness.ts";

const start = healthHarnesses();
const MINUTE = 60_000;

const pool = (lifecycle: Partial<typeof DEFAULT_POOL_LIFECYCLE> = {}) =>
  fixturePool({ lifecycle: { ...DEFAULT_POOL_LIFECYCLE, ...lifecycle } });

describe("health checks: SSH probes of free machines", () => {
  it("probes each available machine once per interval; 3 failures in a row move it to fault", async () => {
    const p = pool();
    const [broken, fine] = fixtureMachines(2, { poolId: p.id, status: "available" });
    const h = await start({ pools: [p], machines: [broken!, fine!] });
    h.work.failProbes(broken!.id);

    await h.pass();
    expect(h.work.probes.sort()).toEqual([broken!.id, fine!.id].sort());
    h.advance(30_000);
    await h.pass(); // not due yet
    expect(h.work.probes).toHaveLength(2);

    h.advance(30_000);
    await h.pass();
    expect(h.machine(broken!.id).status).toBe("available");
    h.advance(MINUTE);
    await h.pass();

    const moved = h.machine(broken!.id);
    expect(moved.status).toBe("fault");
    expect(moved.statusReason).toBe(
      "health: ssh probe failed 3 times in a row: probe.ssh-echo (connection): connect ECONNREFUSED",
    );
    expect(moved.lastError).toContain("connect ECONNREFUSED");
    expect(h.machine(fine!.id).status).toBe("available");
    expect(h.metrics.failures).toEqual(Array(3).fill({ pool: p.name, check: "ssh-probe" }));
    expect(h.metrics.transitions).toEqual([{ pool: p.name, to: "fault" }]);
    expect(sentTransitions(h)).toEqual([
      expect.objectContaining({ machineId: broken!.id, from: "available", to: "fault", expectedVersion: 1 }),
    ]);

    // a fault machine of a pool without autoRepair is not probed any more
    h.advance(MINUTE);
    await h.pass();
    expect(h.work.probes.filter((id) => id === broken!.id)).toHaveLength(3);
  });

  it("a passing probe ends the streak; the pool's interval and threshold apply", async () => {
    const p = pool({ healthProbeIntervalSeconds: 5, healthFailureThreshold: 2 });
    const m = fixtureMachine({ poolId: p.id, status: "available" });
    const h = await start({ pools: [p], machines: [m] });
    h.work.failProbes(m.id);
    await h.pass();
    h.work.healProbes(m.id);
    h.advance(5_000);
    await h.pass();
    h.work.failProbes(m.id);
    h.advance(5_000);
    await h.pass();
    expect(h.machine(m.id).status).toBe("available");
    h.advance(5_000);
    await h.pass();
    expect(h.machine(m.id).status).toBe("fault");
    expect(h.machine(m.id).statusReason).toMatch(/^health: ssh probe failed 2 times in a row/);
  });

  it("failures that are not the machine's (cut short, no SSH key) do not count", async () => {
    const p = pool({ healthFailureThreshold: 1 });
    const [a, b] = fixtureMachines(2, { poolId: p.id, status: "available" });
    const h = await start({ pools: [p], machines: [a!, b!] });
    h.work.failProbes(a!.id, { step: "ssh.queue", transient: true, message: "aborted" });
    h.work.failProbes(b!.id, { step: "ssh.key", errorClass: "precondition", message: "no key default" });
    await h.pass();
    h.advance(MINUTE);
    await h.pass();
    expect(h.work.probes).toHaveLength(4);
    expect(h.machine(a!.id).status).toBe("available");
    expect(h.machine(b!.id).status).toBe("available");
    expect(h.metrics.failures).toEqual([]);
    const couldNotRun = h.logs.filter(
      (l) => l.msg === "health probe could not run; not counted against the machine",
    );
    expect(couldNotRun).toHaveLength(4);
    // the same reason again for the same machine is said once at warn, then at debug
    expect(couldNotRun.map((l) => l.level)).toEqual(["warn", "warn", "debug", "debug"]);
  });

  it("a machine that moved while its probe ran is not faulted for it", async () => {
    const p = pool({ healthFailureThreshold: 1 });
    const m = fixtureMachine({ poolId: p.id, status: "available" });
    const h = await start({ pools: [p], machines: [m] });
    h.work.failProbes(m.id);
    h.work.delayMs = 50;
    const pass = h.pass();
    // a scale-up reserves it meanwhile
    h.fake.change((f) => Object.assign(f.machine(m.id), { status: "reserved", version: 2 }));
    await h.service.refresh();
    await pass;
    expect(h.machine(m.id).status).toBe("reserved");
    expect(sentTransitions(h)).toEqual([]);
  });

  it("at most probeConcurrency probes run at once, least recently probed first", async () => {
    const p = pool();
    const machines = fixtureMachines(5, { poolId: p.id, status: "available" });
    const h = await start({ pools: [p], machines, deps: { probeConcurrency: 2 } });
    h.work.delayMs = 20;
    const spy = { max: 0 };
    const original = h.work.probe.bind(h.work);
    let active = 0;
    h.work.probe = async (machine, signal) => {
      active++;
      spy.max = Math.max(spy.max, active);
      try {
        return await original(machine, signal);
      } finally {
        active--;
      }
    };
    await h.pass();
    expect(h.work.probes).toHaveLength(2);
    await h.pass();
    await h.pass();
    expect(new Set(h.work.probes).size).toBe(5);
    expect(spy.max).toBe(2);
  });

  it("autoRepair: a fault machine whose probe passes threshold times goes back to available", async () => {
    const p = pool({ autoRepair: true, healthFailureThreshold: 2 });
    const [repaired, stillBroken, withNode] = fixtureMachines(3, {
      poolId: p.id,
      status: "fault",
      statusReason: "health: ssh probe failed",
    });
    const h = await start({
      pools: [p],
      machines: [repaired!, stillBroken!, withNode!],
      prepare: (kube) => kube.addNode("left-over", { providerId: `ksp://${withNode!.id}`, ready: false }),
    });
    h.work.failProbes(stillBroken!.id);
    await h.pass();
    expect(h.machine(repaired!.id).status).toBe("fault");
    h.advance(MINUTE);
    await h.pass();
    expect(h.machine(repaired!.id)).toMatchObject({
      status: "available",
      statusReason: "health: auto-repaired: ssh probe passed 2 times in a row",
    });
    expect(h.machine(stillBroken!.id).status).toBe("fault");
    expect(h.machine(withNode!.id).status).toBe("fault");
    expect(h.metrics.transitions).toEqual([{ pool: p.name, to: "available" }]);
  });

  it("without autoRepair, fault machines are never probed", async () => {
    const p = pool();
    const m = fixtureMachine({ poolId: p.id, status: "fault" });
    const h = await start({ pools: [p], machines: [m] });
    await h.pass();
    h.advance(MINUTE);
    await h.pass();
    expect(h.work.probes).toEqual([]);
  });

  it("a transition the control plane cannot take now is tried again at the next check", async () => {
    const p = pool({ healthFailureThreshold: 1 });
    const m = fixtureMachine({ poolId: p.id, status: "available" });
    const h = await start({ pools: [p], machines: [m] });
    h.work.failProbes(m.id);
    h.fake.failNext("transitions");
    await h.pass();
    expect(h.machine(m.id).status).toBe("available");
    h.advance(MINUTE);
    await h.pass();
    expect(h.machine(m.id).status).toBe("fault");
    expect(h.machine(m.id).statusReason).toMatch(/^health: ssh probe failed 2 times in a row/);
  });
});
