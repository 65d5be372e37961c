/** The health checks' loop: passes on its timer once started, none after stop(), which aborts probes in flight. */
import { describe, expect, it } from "vitest";
import { fixtureMachine, fixturePool } from "../../../support/agent/fixtures.ts";
import { healthHarnesses, sentTransitions } from "../../../support/agent/health-harness.ts";
import { waitFor } from "../../../support/eventually.ts";

const start = healthHarnesses();

describe("health checks: the loop", () => {
  it("passes on its timer; stop() aborts a hanging probe, which then counts for nothing", async () => {
    const p = fixturePool({ lifecycle: { ...fixturePool().lifecycle, healthFailureThreshold: 1 } });
    const m = fixtureMachine({ poolId: p.id, status: "available" });
    const h = await start({ pools: [p], machines: [m], deps: { tickMs: 10 } });
    h.work.failProbes(m.id);
    h.work.delayMs = 60_000;
    h.health.start();
    await waitFor("a probe started by the timer", () => h.work.probes.length === 1, 2_000, 5);

    const stopping = performance.now();
    await h.health.stop();
    expect(performance.now() - stopping).toBeLessThan(1_000);
    expect(sentTransitions(h)).toEqual([]);
    expect(h.metrics.failures).toEqual([]);

    h.advance(120_000);
    await h.health.pass();
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(h.work.probes).toHaveLength(1);
  });
});
