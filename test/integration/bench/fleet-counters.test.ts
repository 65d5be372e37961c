/**
 * The fleet bench's counting (bench/fleet*.ts), so its figures can be trusted
 * and the bench can fail: 10 clusters for a few virtual minutes on the real
 * stack. Requests follow the agent's schedule exactly; every Redis command and
 * Postgres statement the phases counted is the sum of the requests measured one
 * by one, a poll made by hand costs what the traced polls cost, the per-hour
 * figures are those counts scaled to the hour, and Redis TTLs follow the
 * virtual clock.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { fleetFigures } from "../../../bench/fleet.ts";
import { type AgentSchedule, agentSchedule } from "../../../bench/fleet-agent.ts";
import { type FleetAgent, type FleetRun, runFleet, seedFleet } from "../../../bench/fleet-sim.ts";
import { type FleetStack, startFleetStack } from "../../../bench/fleet-stack.ts";
import { requirePostgres } from "../../support/postgres.ts";
import { redisAvailable } from "../../support/upstash-bridge.ts";

interface Figures {
  method: Record<string, unknown>;
  perHour: {
    requests: { total: number };
    polls: { requests: number; redisCommands: number };
    postgres: { fromPolls: { queries: number } };
  };
  idlePollRedisCommands: number;
  idleTickPostgresQueries: number;
  costPerIdleClusterMonthUsd: number;
  cost: { perClusterMonthUsd: Record<string, number> };
}

const ok = (await requirePostgres()) && (await redisAvailable());
const CLUSTERS = 10;
const MINUTES = 3;

describe.skipIf(!ok)("fleet bench counters", () => {
  let schedule: AgentSchedule;
  let stack: FleetStack;
  let agents: FleetAgent[];
  let run: FleetRun;

  beforeAll(async () => {
    schedule = await agentSchedule();
    stack = await startFleetStack();
    agents = await seedFleet(stack, {
      clusters: CLUSTERS,
      poolsPerCluster: 1,
      machinesPerPool: 2,
      concurrency: 4,
    });
    run = await runFleet(stack, agents, {
      virtualMs: MINUTES * 60_000,
      concurrency: 4,
      schedule,
      snapshots: true,
      trace: true,
    });
  }, 180_000);
  afterAll(() => stack?.close());

  const traced = (kind: string) => run.trace.filter((r) => r.kind === kind);
  const total = (kind: string, field: "redisCommands" | "pgQueries" | "pgConnections" | "leases") =>
    traced(kind).reduce((sum, r) => sum + r[field], 0);

  it("sends what the agent's schedule says, and every answer is the expected one", () => {
    const windowMs = MINUTES * 60_000;
    // offsets spread each interval evenly over the fleet: cluster i starts at i/N of it
    const due = (intervalMs: number) =>
      agents.reduce((n, a) => {
        const first = Math.floor((a.index * intervalMs) / CLUSTERS);
        return n + (first < windowMs ? Math.floor((windowMs - 1 - first) / intervalMs) + 1 : 0);
      }, 0);
    // polls: the agents start long idle, spread over the steady interval; every answer is a 304,
    // so each delay is the sync loop's after that many 304s in a row
    const polls = agents.reduce((n, a) => {
      let count = 0;
      let unchanged = schedule.steadyUnchanged;
      const steady = schedule.idlePollDelayMs(unchanged);
      for (let t = Math.floor((a.index * steady) / CLUSTERS); t < windowMs; ) {
        count++;
        t += schedule.idlePollDelayMs(++unchanged);
      }
      return n + count;
    }, 0);
    expect(run.tallies.poll.events).toBe(polls);
    // an agent polls at least once per bound, and at most once per base interval
    expect(polls).toBeGreaterThanOrEqual(CLUSTERS * Math.floor(windowMs / schedule.pollMaxIntervalMs));
    expect(polls).toBeLessThanOrEqual(CLUSTERS * Math.ceil(windowMs / schedule.pollIntervalMs));
    expect(run.tallies.heartbeat.events).toBe(due(schedule.heartbeatIntervalMs));
    expect(run.tallies.snapshot.events).toBe(due(schedule.snapshotIntervalMs));
    expect(run.tallies.cron.events).toBe(MINUTES);
    expect(run.tallies.poll.outcomes).toEqual({ "GET /v1/agent/state 304": run.tallies.poll.events });
    expect(run.tallies.heartbeat.outcomes).toEqual({
      "POST /v1/agent/heartbeat 200": run.tallies.heartbeat.events,
    });
    expect(run.tallies.snapshot.outcomes).toEqual({
      "POST /v1/agent/snapshots 201": run.tallies.snapshot.events,
    });
    expect(Object.keys(run.tallies.cron.outcomes).every((k) => k.endsWith(" ok"))).toBe(true);
    expect(stack.errors()).toEqual([]);
  });

  it("attributes every command, statement and lease to the request that caused it", () => {
    expect(run.trace).toHaveLength(
      run.tallies.poll.events + run.tallies.heartbeat.events + run.tallies.snapshot.events,
    );
    for (const kind of ["poll", "heartbeat", "snapshot"] as const) {
      expect(run.tallies[kind].redisCommands, kind).toBe(total(kind, "redisCommands"));
      expect(run.tallies[kind].pgQueries, kind).toBe(total(kind, "pgQueries"));
      expect(run.tallies[kind].leases, kind).toBe(total(kind, "leases"));
      expect(run.tallies[kind].pgConnections, kind).toBe(total(kind, "pgConnections"));
    }
    // the Worker's shape: a lease connects on its first statement, at most twice (its pool's bound)
    for (const r of run.trace) {
      expect(r.pgConnections > 0, `${r.kind} ${JSON.stringify(r)}`).toBe(r.pgQueries > 0);
      expect(r.pgConnections).toBeLessThanOrEqual(2 * r.leases);
    }
    // something was counted at all (what exactly is the bench's to report, not this test's)
    const all = run.trace.reduce((sum, r) => sum + r.redisCommands, 0) + run.tallies.cron.redisCommands;
    expect(all).toBeGreaterThan(0);
  });

  it("counts a poll made by hand as the bench counted the last poll of the same agent", async () => {
    const agent = agents[3]!;
    const last = traced("poll")
      .filter((r) => r.clusterId === agent.clusterId)
      .at(-1)!;
    const before = await stack.meter();
    const res = await stack.app.request("/v1/agent/state", {
      headers: {
        authorization: `Bearer ${agent.credential}`,
        "if-none-match": agent.etag,
        "x-forwarded-for": `${agent.address}, 10.255.255.254`,
      },
    });
    expect(res.status).toBe(304);
    const after = await stack.meter();
    expect({
      redisCommands: after.redis.commands - before.redis.commands,
      pgQueries: after.pgQueries - before.pgQueries,
      pgConnections: after.pgConnections - before.pgConnections,
      leases: after.leases - before.leases,
    }).toEqual({
      redisCommands: last.redisCommands,
      pgQueries: last.pgQueries,
      pgConnections: last.pgConnections,
      leases: last.leases,
    });
  });

  it("scales the counts to the hour and prices them", () => {
    // the figures are JSON for people; the test reads the paths it checks
    const figures = fleetFigures(run, CLUSTERS) as unknown as Figures;
    const factor = 60 / MINUTES;
    expect(figures.method).toMatchObject({
      extrapolated: true,
      perHourFactor: factor,
      virtualMinutes: MINUTES,
    });
    expect(figures.perHour.polls.requests).toBe(run.tallies.poll.events * factor);
    expect(figures.perHour.polls.redisCommands).toBe(run.tallies.poll.redisCommands * factor);
    expect(figures.perHour.postgres.fromPolls.queries).toBe(run.tallies.poll.pgQueries * factor);
    expect(figures.idlePollRedisCommands).toBeCloseTo(
      total("poll", "redisCommands") / traced("poll").length,
      3,
    );
    expect(figures.idleTickPostgresQueries).toBeCloseTo(run.tallies.cron.pgQueries / MINUTES, 3);
    expect(figures.perHour.requests.total).toBe(
      (run.tallies.poll.events + run.tallies.heartbeat.events + run.tallies.snapshot.events) * factor,
    );
    const { perClusterMonthUsd } = figures.cost;
    const sum = Object.values(perClusterMonthUsd).reduce((a, b) => a + b, 0);
    expect(figures.costPerIdleClusterMonthUsd).toBeCloseTo(sum, 5);
    // 730 h × requests per cluster-hour × $0.30 per million, at the least
    expect(perClusterMonthUsd.workersRequestsUsd ?? 0).toBeGreaterThanOrEqual(
      (((figures.perHour.requests.total / CLUSTERS) * 730) / 1e6) * 0.3 - 1e-6,
    );
  });

  it("expires Redis entries by the virtual clock", async () => {
    await stack.deps.coordination.cacheSet("fleet-test:ttl", 1, 30_000);
    await stack.redisTime.age(29_000);
    expect(await stack.deps.coordination.cacheGet("fleet-test:ttl")).toBe(1);
    await stack.redisTime.age(2_000);
    expect(await stack.deps.coordination.cacheGet("fleet-test:ttl")).toBeNull();
  });
});
