/** createAgentCore: ready only after the first good sync, metrics from the view. */
import { describe, expect, it } from "vitest";
import { createAgentCore } from "../../../agent/core.ts";
import { alwaysLeader } from "../../../agent/leadership.ts";
import { createLogger } from "../../../shared/logger.ts";
import { FakeControlPlane } from "../../support/agent/fake-control-plane.ts";
import { fixtureMachine, fixtureMachines, fixturePool } from "../../support/agent/fixtures.ts";

function setup() {
  const web = fixturePool({ name: "web", minSize: 1, maxSize: 9 });
  const off = fixturePool({ name: "off", autoscalingEnabled: false });
  const fake = new FakeControlPlane({
    pools: [web, off],
    machines: [
      ...fixtureMachines(2, { poolId: web.id, status: "ready" }),
      fixtureMachine({ poolId: web.id, status: "joining" }),
      fixtureMachine({ poolId: web.id, status: "fault", lastError: "x" }),
      fixtureMachine({ poolId: web.id, status: "leaving" }),
    ],
  });
  let now = new Date("2026-01-01T00:00:00Z");
  const clock = { now: () => now };
  const core = createAgentCore({
    controlPlane: fake,
    clock,
    logger: createLogger({ sink: () => {} }),
    leadership: alwaysLeader("agent-0"),
    gpuLabel: "nvidia.com/gpu.product",
    syncIntervalMs: 60_000,
  });
  return { fake, core, advance: (ms: number) => (now = new Date(now.getTime() + ms)) };
}

describe("agent core", () => {
  it("is not ready until the first successful sync, and says why", async () => {
    const { fake, core } = setup();
    expect(core.readiness()).toEqual({
      ready: false,
      reason: "waiting for the first state from the control plane",
    });
    fake.setOutage(true);
    await core.start();
    expect(core.readiness()).toMatchObject({
      ready: false,
      reason: expect.stringContaining("control plane down"),
    });
    expect(core.service.nodeGroups()).toEqual([]);
    fake.setOutage(false);
    await core.service.refresh();
    expect(core.readiness()).toEqual({ ready: true });
    // an outage after that leaves the agent ready: it serves the last good state
    fake.setOutage(true);
    await core.service.refresh();
    expect(core.readiness()).toEqual({ ready: true });
    await core.stop();
  });

  it("reports the sync age and per-group gauges", async () => {
    const { core, advance } = setup();
    expect(core.metrics()).toEqual({ syncAgeSeconds: null, pools: [], machines: [] });
    await core.start();
    advance(2_500);
    const metrics = core.metrics();
    expect(metrics).toMatchObject({
      syncAgeSeconds: 2.5,
      pools: [{ name: "web", ready: 2, creating: 2, deleting: 1, target: 3, min: 1, max: 9 }],
    });
    // machines per status of every pool, node group or not, zeros included
    const count = (pool: string, status: string) =>
      metrics.machines.find((m) => m.pool === pool && m.status === status)?.count;
    expect([
      count("web", "ready"),
      count("web", "joining"),
      count("web", "fault"),
      count("web", "leaving"),
    ]).toEqual([2, 1, 1, 1]);
    expect(count("web", "available")).toBe(0);
    expect(count("off", "ready")).toBe(0);
    expect(metrics.machines).toHaveLength(18);
    await core.stop();
  });
});
