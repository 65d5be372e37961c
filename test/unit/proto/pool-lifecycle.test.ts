/**
 * The pool lifecycle the agent parses: a pool from an older control plane
 * (no lifecycle at all) or stored before the health settings existed (no
 * health keys) reads as the defaults, never as a parse failure that would
 * stop the agent's state sync.
 */
import { describe, expect, it } from "vitest";
import { AgentPoolSchema, PoolLifecycleSchema } from "../../../proto/agent-api.ts";
import { DEFAULT_POOL_HEALTH, DEFAULT_POOL_LIFECYCLE } from "../../../proto/pool-lifecycle.ts";
import { fixturePool } from "../../support/agent/fixtures.ts";

describe("pool lifecycle on the wire", () => {
  it("the defaults hold the health settings: probe a minute apart, 3 failures, no auto-repair, cordon", () => {
    expect(DEFAULT_POOL_HEALTH).toEqual({
      healthProbeIntervalSeconds: 60,
      healthFailureThreshold: 3,
      autoRepair: false,
      zombieAction: "cordon",
    });
    expect(DEFAULT_POOL_LIFECYCLE).toMatchObject(DEFAULT_POOL_HEALTH);
  });

  it("a lifecycle without the health keys gets their defaults; given ones are kept", () => {
    const {
      healthProbeIntervalSeconds: _i,
      healthFailureThreshold: _t,
      autoRepair: _a,
      zombieAction: _z,
      ...older
    } = DEFAULT_POOL_LIFECYCLE;
    expect(PoolLifecycleSchema.parse(older)).toEqual(DEFAULT_POOL_LIFECYCLE);
    expect(PoolLifecycleSchema.parse({ ...older, autoRepair: true, zombieAction: "remove" })).toMatchObject({
      autoRepair: true,
      zombieAction: "remove",
      healthFailureThreshold: 3,
    });
    expect(PoolLifecycleSchema.safeParse({ ...older, zombieAction: "delete" }).success).toBe(false);
  });

  it("a pool with no lifecycle at all gets the whole default", () => {
    const { lifecycle: _l, ...pool } = fixturePool();
    expect(AgentPoolSchema.parse(pool).lifecycle).toEqual(DEFAULT_POOL_LIFECYCLE);
  });
});
