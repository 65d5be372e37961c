/**
 * `npm run bench -- fleet`: what an idle fleet costs per hour and per
 * cluster-month. N registered clusters (BENCH_FLEET_CLUSTERS, default 10,000)
 * with idle agents poll GET /v1/agent/state with If-None-Match, send
 * heartbeats and snapshots on the agent's own schedule (fleet-agent.ts), and
 * the cron tick runs every virtual minute through the real scheduler path,
 * against the real app on real Postgres and real Redis behind the Upstash
 * REST bridge (fleet-stack.ts, fleet-sim.ts). Virtual time: no wall-clock
 * waits; each virtual second's work runs as fast as the machine allows.
 *
 * Method: the full virtual hour when BENCH_FLEET_MINUTES is 60 (the default up
 * to 2,000 clusters); otherwise the given number of virtual minutes (default 5
 * above 2,000 clusters: every poll phase, one snapshot round, five ticks) and
 * the per-hour figures scaled by 60 / minutes, labelled `extrapolated: true`.
 *
 * Prints the per-hour figures by kind of work (polls, heartbeats, snapshots,
 * cron), Postgres statements and connections (leased the Worker's way: a pool
 * per request or job run, connecting on its first statement), the Workers CPU
 * estimate (this process's CPU time while it served the
 * requests: the app, its clients to Postgres and Redis, and the bench's own
 * request loop — an upper bound), and the cost per idle cluster-month from
 * fleet-prices.ts. Targets: an idle poll at most 1 Redis command and no
 * Postgres statement.
 *
 * Environment: BENCH_FLEET_CLUSTERS, BENCH_FLEET_MINUTES, BENCH_FLEET_CONCURRENCY
 * (requests in flight, default 32), BENCH_FLEET_POOLS (pools per cluster,
 * default 1), BENCH_FLEET_MACHINES (ready machines per pool, default 2),
 * BENCH_FLEET_SNAPSHOTS=0 (leave the agents' snapshot pushes out).
 */
import { agentSchedule } from "./fleet-agent.ts";
import { FLEET_PRICES, HOURS_PER_MONTH } from "./fleet-prices.ts";
import { type FleetRun, KINDS, type Kind, runFleet, seedFleet } from "./fleet-sim.ts";
import { startFleetStack } from "./fleet-stack.ts";

const POLL_REDIS_TARGET = 1;
const POLL_POSTGRES_TARGET = 0;

const envInt = (name: string, fallback: number, min = 0) => {
  const raw = process.env[name];
  if (raw === undefined || raw === "") return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < min) throw new Error(`${name} must be an integer ≥ ${min}, got ${raw}`);
  return n;
};

const round = (x: number, digits = 3) => (Number.isFinite(x) ? Number(x.toFixed(digits)) : 0);
const per = (a: number, b: number, digits = 3) => (b > 0 ? round(a / b, digits) : 0);
const scaleAll = (r: Record<string, number>, f: number) =>
  Object.fromEntries(Object.entries(r).map(([k, v]) => [k, round(v * f, 1)]));

export interface FleetFigures extends Record<string, unknown> {
  idlePollRedisCommands: number;
  idlePollPostgresQueries: number;
  idleTickRedisCommands: number;
  idleTickPostgresQueries: number;
  idlePollPostgresConnections: number;
  costPerIdleClusterMonthUsd: number;
}

/** Turns one run into the per-hour figures and the cost line; pure, so the counters test can check it. */
export function fleetFigures(
  run: FleetRun,
  clusters: number,
  extra: Record<string, unknown> = {},
): FleetFigures {
  const { tallies: t } = run;
  const factor = 3_600_000 / run.virtualMs;
  const kinds = KINDS;
  const sum = (f: (k: Kind) => number) => kinds.reduce((acc, k) => acc + f(k), 0);
  const requests = sum((k) => (k === "cron" ? 0 : t[k].events));
  const byRoute: Record<string, number> = {};
  for (const k of kinds) if (k !== "cron") Object.assign(byRoute, t[k].outcomes);
  const redisByCommand: Record<string, number> = {};
  for (const k of kinds)
    for (const [name, n] of Object.entries(t[k].redisByCommand))
      redisByCommand[name] = (redisByCommand[name] ?? 0) + n;
  const kindFigures = (k: Kind) => ({
    [k === "cron" ? "ticks" : "requests"]: round(t[k].events * factor, 1),
    redisCommands: round(t[k].redisCommands * factor, 1),
    postgresQueries: round(t[k].pgQueries * factor, 1),
    postgresConnections: round(t[k].pgConnections * factor, 1),
    databaseLeases: round(t[k].leases * factor, 1),
    perEvent: {
      redisCommands: per(t[k].redisCommands, t[k].events),
      redisHttpRequests: per(t[k].redisHttpRequests, t[k].events),
      postgresQueries: per(t[k].pgQueries, t[k].events),
      postgresConnections: per(t[k].pgConnections, t[k].events),
      databaseLeases: per(t[k].leases, t[k].events),
      cpuMsEstimate: per(t[k].cpuMicros / 1000, t[k].events),
      redisByCommand: Object.fromEntries(
        Object.entries(t[k].redisByCommand).map(([name, n]) => [name, per(n, t[k].events)]),
      ),
    },
  });

  // ---- cost per cluster-month (marginal prices, fleet-prices.ts)
  const p = FLEET_PRICES;
  const monthly = (perHour: number) => (perHour * HOURS_PER_MONTH) / clusters;
  const ticks = t.cron.events;
  // cron ticks and queue consumer batches are Worker invocations too
  const queueMessages = t.cron.queueMessages;
  const workerInvocations = (requests + ticks + Math.ceil(queueMessages / 10)) * factor;
  const cpuMs = (sum((k) => t[k].cpuMicros) / 1000) * factor;
  const redisCommands = sum((k) => t[k].redisCommands) * factor;
  const pgQueries = sum((k) => t[k].pgQueries) * factor;
  // an hour with any statement keeps the compute up (it suspends after 5 idle minutes)
  const neonHoursPerHour = pgQueries > 0 ? 1 : 0;
  const cost = {
    workersRequestsUsd: (monthly(workerInvocations) / 1e6) * p.workers.perMillionRequestsUsd,
    workersCpuUsd: (monthly(cpuMs) / 1e6) * p.workers.perMillionCpuMsUsd,
    queueOperationsUsd:
      (monthly(queueMessages * factor * p.queues.operationsPerMessage) / 1e6) *
      p.queues.perMillionOperationsUsd,
    upstashUsd: (monthly(redisCommands) / 1e5) * p.upstash.per100kCommandsUsd,
    neonComputeUsd: monthly(neonHoursPerHour * p.neon.minimumCu * p.neon.perCuHourUsd),
  };
  const perClusterMonth = Object.values(cost).reduce((a, b) => a + b, 0);
  const poll = t.poll;
  const idlePollRedisCommands = per(poll.redisCommands, poll.events);
  const idlePollPostgresQueries = per(poll.pgQueries, poll.events);
  return {
    ...extra,
    clusters,
    method: {
      virtualMinutes: round(run.virtualMs / 60_000, 2),
      extrapolated: factor !== 1,
      perHourFactor: round(factor, 4),
      sample:
        factor === 1
          ? `the full virtual hour for all ${clusters} clusters`
          : `all ${clusters} clusters for ${round(run.virtualMs / 60_000, 2)} virtual minutes, scaled ×${round(factor, 2)} to the hour`,
      wallSeconds: round(run.wallMs / 1000, 1),
      redisKeysExpiredByVirtualTime: run.redisKeysExpired,
    },
    perHour: {
      requests: { total: round(requests * factor, 1), byRoute: scaleAll(byRoute, factor) },
      redis: {
        commands: round(redisCommands, 1),
        httpRequests: round(sum((k) => t[k].redisHttpRequests) * factor, 1),
        byCommand: scaleAll(redisByCommand, factor),
      },
      postgres: {
        queries: round(pgQueries, 1),
        // the Worker's shape: one small pool per lease, connecting on its first statement
        connections: round(sum((k) => t[k].pgConnections) * factor, 1),
        databaseLeases: round(sum((k) => t[k].leases) * factor, 1),
        fromPolls: {
          queries: round(poll.pgQueries * factor, 1),
          connections: round(poll.pgConnections * factor, 1),
        },
      },
      polls: kindFigures("poll"),
      heartbeats: kindFigures("heartbeat"),
      snapshots: kindFigures("snapshot"),
      cron: {
        ...kindFigures("cron"),
        queueMessages: round(queueMessages * factor, 1),
        jobRuns: scaleAll(t.cron.outcomes, factor),
        ticksWithoutPostgres: round(t.cron.ticksWithoutPostgres * factor, 1),
      },
      workersCpuMsEstimate: round(cpuMs, 1),
    },
    cost: {
      perClusterMonthUsd: Object.fromEntries(Object.entries(cost).map(([k, v]) => [k, round(v, 6)])),
      fleetMonthUsd: round(perClusterMonth * clusters, 2),
      workersPlanBaseMonthlyUsd: p.workers.baseMonthlyUsd,
      neonModel: "an hour with any Postgres statement is billed whole at the minimum CU; none: zero",
      prices: p,
    },
    idlePollRedisCommands,
    idlePollPostgresQueries,
    idlePollPostgresConnections: per(poll.pgConnections, poll.events),
    idleTickRedisCommands: per(t.cron.redisCommands, ticks),
    idleTickPostgresQueries: per(t.cron.pgQueries, ticks),
    idleTickPostgresConnections: per(t.cron.pgConnections, ticks),
    heartbeatPostgresQueries: per(t.heartbeat.pgQueries, t.heartbeat.events),
    costPerIdleClusterMonthUsd: round(perClusterMonth, 6),
    targets: {
      idlePollRedisCommands: { max: POLL_REDIS_TARGET, met: idlePollRedisCommands <= POLL_REDIS_TARGET },
      idlePollPostgresQueries: {
        max: POLL_POSTGRES_TARGET,
        met: idlePollPostgresQueries <= POLL_POSTGRES_TARGET,
      },
    },
  };
}

export async function benchFleet(): Promise<Record<string, unknown>> {
  const clusters = envInt("BENCH_FLEET_CLUSTERS", 10_000, 1);
  const minutes = envInt("BENCH_FLEET_MINUTES", clusters > 2_000 ? 5 : 60, 1);
  const concurrency = envInt("BENCH_FLEET_CONCURRENCY", 32, 1);
  const poolsPerCluster = envInt("BENCH_FLEET_POOLS", 1);
  const machinesPerPool = envInt("BENCH_FLEET_MACHINES", 2);
  const snapshots = process.env.BENCH_FLEET_SNAPSHOTS !== "0";
  const schedule = await agentSchedule();
  const log = (line: string) => console.log(line);
  log(
    `fleet: ${clusters} clusters, ${minutes} virtual min; poll ${schedule.describe}, heartbeat every ` +
      `${schedule.heartbeatIntervalMs} ms, snapshots ${snapshots ? `every ${schedule.snapshotIntervalMs} ms` : "off"}`,
  );
  const stack = await startFleetStack();
  try {
    const setupStarted = performance.now();
    const agents = await seedFleet(stack, { clusters, poolsPerCluster, machinesPerPool, concurrency, log });
    log(`setup (not counted) took ${((performance.now() - setupStarted) / 1000).toFixed(1)} s`);
    const run = await runFleet(stack, agents, {
      virtualMs: minutes * 60_000,
      concurrency,
      schedule,
      snapshots,
      log,
    });
    const figures = fleetFigures(run, clusters, {
      agent: {
        pollSchedule: schedule.describe,
        pollIntervalMs: schedule.pollIntervalMs,
        pollMaxIntervalMs: schedule.pollMaxIntervalMs,
        heartbeatIntervalMs: schedule.heartbeatIntervalMs,
        snapshotIntervalMs: snapshots ? schedule.snapshotIntervalMs : null,
      },
      shape: { poolsPerCluster, machinesPerPool, concurrency },
      appErrorsLogged: stack.errors().length,
    });
    log(
      `per idle poll: ${figures.idlePollRedisCommands} Redis commands, ${figures.idlePollPostgresQueries} Postgres ` +
        `statements; per tick: ${figures.idleTickRedisCommands} / ${figures.idleTickPostgresQueries}; ` +
        `cost per idle cluster-month $${figures.costPerIdleClusterMonthUsd}`,
    );
    return figures;
  } finally {
    await stack.close();
  }
}
