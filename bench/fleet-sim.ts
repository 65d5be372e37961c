/**
 * The fleet simulation: N registered, idle clusters whose agents poll, beat
 * and push snapshots on the agent's own schedule (fleet-agent.ts), and the
 * cron tick every virtual minute, against the control plane of
 * fleet-stack.ts. Virtual time moves in one-second steps; within a step the
 * work runs as fast as the machine allows, one kind after another (cron tick,
 * polls, heartbeats, snapshots), so every counted command and query belongs
 * to exactly one kind.
 */
import { sql } from "drizzle-orm";
import { mapBounded } from "../functions/jobs/bounded.ts";
import { runScheduledJobs } from "../functions/jobs/runner.ts";
import { generateToken, hashToken } from "../functions/lib/tokens.ts";
import type { AgentSchedule } from "./fleet-agent.ts";
import type { FleetStack, Meter } from "./fleet-stack.ts";

export type Kind = "poll" | "heartbeat" | "snapshot" | "cron";
export const KINDS: readonly Kind[] = ["poll", "heartbeat", "snapshot", "cron"];

export interface FleetAgent {
  index: number;
  clusterId: string;
  poolIds: string[];
  credential: string;
  address: string;
  etag: string;
  /** 304s in a row since the last change */
  unchanged: number;
}

export interface KindTally {
  /** poll, heartbeat and snapshot requests; cron ticks */
  events: number;
  /** "GET /v1/agent/state 304" → count (cron: job outcomes, "job <name> <outcome>") */
  outcomes: Record<string, number>;
  redisCommands: number;
  redisHttpRequests: number;
  redisByCommand: Record<string, number>;
  pgQueries: number;
  pgConnections: number;
  /** database leases: the connections a Worker would open */
  leases: number;
  cpuMicros: number;
  wallMs: number;
  /** cron only: queue messages the ticks fanned out and the in-process queue delivered */
  queueMessages: number;
  /** cron only: ticks that sent no statement to Postgres */
  ticksWithoutPostgres: number;
}

/** One request measured on its own (RunOptions.trace). */
export interface TracedRequest {
  kind: Exclude<Kind, "cron">;
  clusterId: string;
  redisCommands: number;
  pgQueries: number;
  pgConnections: number;
  leases: number;
}

export interface FleetRun {
  virtualMs: number;
  wallMs: number;
  tallies: Record<Kind, KindTally>;
  /** keys aged and expired by fleet-redis-time.ts over the run */
  redisKeysExpired: number;
  /** virtual 60-minute windows (from the start) in which some statement reached Postgres */
  hoursWithPostgres: number;
  /** every request on its own, with RunOptions.trace */
  trace: TracedRequest[];
}

export interface SeedOptions {
  clusters: number;
  poolsPerCluster: number;
  machinesPerPool: number;
  concurrency: number;
  log?: (line: string) => void;
}

const emptyTally = (): KindTally => ({
  events: 0,
  outcomes: {},
  redisCommands: 0,
  redisHttpRequests: 0,
  redisByCommand: {},
  pgQueries: 0,
  pgConnections: 0,
  leases: 0,
  cpuMicros: 0,
  wallMs: 0,
  queueMessages: 0,
  ticksWithoutPostgres: 0,
});

const bump = (into: Record<string, number>, key: string, by = 1) => {
  into[key] = (into[key] ?? 0) + by;
};

function addDelta(tally: KindTally, before: Meter, after: Meter): void {
  tally.redisCommands += after.redis.commands - before.redis.commands;
  tally.redisHttpRequests += after.redis.httpRequests - before.redis.httpRequests;
  for (const [name, n] of Object.entries(after.redis.byCommand)) {
    const d = n - (before.redis.byCommand[name] ?? 0);
    if (d > 0) bump(tally.redisByCommand, name, d);
  }
  tally.pgQueries += after.pgQueries - before.pgQueries;
  tally.pgConnections += after.pgConnections - before.pgConnections;
  tally.leases += after.leases - before.leases;
  tally.cpuMicros += after.cpuMicros - before.cpuMicros;
  tally.wallMs += after.wallMs - before.wallMs;
}

/** Unexpected answers stop the run: an idle fleet that gets errors is measuring the wrong thing. */
let lastErrors: () => Record<string, unknown>[] = () => [];
async function expectStatus(res: Response, wanted: number[], what: string): Promise<Response> {
  if (!wanted.includes(res.status)) {
    const logged = JSON.stringify(lastErrors().at(-1) ?? null).slice(0, 600);
    throw new Error(
      `${what}: HTTP ${res.status} ${(await res.text()).slice(0, 300)}; last app error: ${logged}`,
    );
  }
  return res;
}

/** X-Forwarded-For as two trusted proxies write it: the agent's own address, then the proxy's. */
const forwardedFor = (agent: { address: string }) => `${agent.address}, 10.255.255.254`;

function request(
  stack: FleetStack,
  agent: FleetAgent,
  method: string,
  path: string,
  init: { body?: unknown; headers?: Record<string, string> } = {},
): Promise<Response> {
  const headers: Record<string, string> = {
    authorization: `Bearer ${agent.credential}`,
    "x-forwarded-for": forwardedFor(agent),
    ...init.headers,
  };
  if (init.body !== undefined) headers["content-type"] = "application/json";
  return Promise.resolve(
    stack.app.request(path, {
      method,
      headers,
      body: init.body === undefined ? undefined : JSON.stringify(init.body),
    }),
  );
}

// A real agent's leader keeps the moment it took the lease: an idle fleet reports the same `since`
// on every heartbeat (a new one each time would read as a changed report and write every beat).
const leaderSince = new WeakMap<FleetStack, string>();
const heartbeatBody = (stack: FleetStack) => {
  let since = leaderSince.get(stack);
  if (since === undefined) {
    since = new Date(stack.clock.now().getTime() - 86_400_000).toISOString();
    leaderSince.set(stack, since);
  }
  return {
    agentVersion: "0.1.0",
    kubernetesVersion: "v1.31.2",
    nodeCounts: { total: 3, ready: 3 },
    leader: { identity: "ksp-agent-0", since },
  };
};

const figures = { cpuMillis: 4000, memoryBytes: 8 * 2 ** 30 };
const snapshotBody = (agent: FleetAgent) => {
  const shape = { nodeCount: 2, capacity: figures, allocatable: figures, requested: figures, usage: figures };
  return { pools: agent.poolIds.map((poolId) => ({ poolId, ...shape })), cluster: shape };
};

/** node-postgres answers `execute` with a pg QueryResult */
const rowsOf = <T>(result: unknown): T[] => (result as { rows: T[] }).rows;

/**
 * Setup, not counted: clusters, pools and ready machines seeded in SQL with a registration token
 * each; then every agent registers through POST /v1/agent/register, sends its first heartbeat and
 * fetches its state once (200 with the ETag it will poll with), as a starting agent does.
 */
export async function seedFleet(stack: FleetStack, opts: SeedOptions): Promise<FleetAgent[]> {
  lastErrors = stack.errors;
  const { db } = stack.database;
  const tokens = Array.from({ length: opts.clusters }, () => generateToken("registration"));
  const hashes = await Promise.all(tokens.map((t) => hashToken(t)));
  const expires = new Date(stack.clock.now().getTime() + 86_400_000).toISOString();
  const clusters = rowsOf<{ id: string; g: number }>(
    await db.execute(sql`
      insert into clusters (name, status, registration_token_hash, registration_token_expires_at)
      select 'fleet-' || g, 'pending', (${sql.param(hashes)}::text[])[g], ${expires}::timestamptz
      from generate_series(1, ${opts.clusters}::int) g
      returning id, substr(name, 7)::int as g`),
  ).sort((a, b) => Number(a.g) - Number(b.g));
  const clusterIds = clusters.map((c) => c.id);
  const pools = rowsOf<{ id: string; cluster_id: string }>(
    await db.execute(sql`
      insert into node_pools (cluster_id, name, min_size, max_size)
      select c, 'pool-' || p, 0, 100 from unnest(${sql.param(clusterIds)}::uuid[]) c, generate_series(1, ${opts.poolsPerCluster}::int) p
      returning id, cluster_id`),
  );
  if (opts.machinesPerPool > 0) {
    await db.execute(sql`
      insert into machines (hostname, ip, cluster_id, pool_id, status, cpu_cores, memory_bytes)
      select 'fleet-m-' || row_number() over (), '10.64.0.0'::inet + row_number() over (),
             p.cluster_id, p.id, 'ready', 8, 32::bigint << 30
      from node_pools p, generate_series(1, ${opts.machinesPerPool}::int) m
      where p.cluster_id = any(${sql.param(clusterIds)}::uuid[])`);
  }
  await db.execute(sql`analyze`);
  const poolsOf = new Map<string, string[]>();
  for (const p of pools) poolsOf.set(p.cluster_id, [...(poolsOf.get(p.cluster_id) ?? []), p.id]);
  opts.log?.(`seeded ${opts.clusters} clusters, ${pools.length} pools; registering the agents`);

  let done = 0;
  stack.leaseMode = "shared";
  try {
    return await registerAll();
  } finally {
    stack.leaseMode = "worker";
  }

  function registerAll() {
    return mapBounded(clusters, opts.concurrency, async (cluster, index) => {
      const address = `10.${(index >> 16) & 255}.${(index >> 8) & 255}.${index & 255}`;
      const res = await expectStatus(
        await stack.app.request("/v1/agent/register", {
          method: "POST",
          headers: { "content-type": "application/json", "x-forwarded-for": forwardedFor({ address }) },
          body: JSON.stringify({
            registrationToken: tokens[Number(cluster.g) - 1],
            agentVersion: "0.1.0",
            kubernetesVersion: "v1.31.2",
          }),
        }),
        [201],
        "register",
      );
      const { credential } = (await res.json()) as { credential: string };
      const agent: FleetAgent = {
        index,
        clusterId: cluster.id,
        poolIds: poolsOf.get(cluster.id) ?? [],
        credential,
        address,
        etag: "",
        unchanged: 0,
      };
      await expectStatus(
        await request(stack, agent, "POST", "/v1/agent/heartbeat", { body: heartbeatBody(stack) }),
        [200],
        "first heartbeat",
      );
      const state = await expectStatus(
        await request(stack, agent, "GET", "/v1/agent/state"),
        [200],
        "first state",
      );
      agent.etag = state.headers.get("etag") ?? "";
      await state.arrayBuffer();
      if (++done % 1000 === 0) opts.log?.(`registered ${done}/${opts.clusters}`);
      return agent;
    });
  }
}

/** One idle poll as the agent's sync loop sends it; a changed state is taken, as the agent would. */
async function poll(stack: FleetStack, agent: FleetAgent, tally: KindTally): Promise<void> {
  const res = await request(stack, agent, "GET", "/v1/agent/state", {
    headers: { "if-none-match": agent.etag },
  });
  bump(tally.outcomes, `GET /v1/agent/state ${res.status}`);
  await expectStatus(res, [200, 304], "poll");
  if (res.status === 200) {
    agent.etag = res.headers.get("etag") ?? agent.etag;
    agent.unchanged = 0;
  } else {
    agent.unchanged++;
  }
  await res.arrayBuffer();
}

async function heartbeat(stack: FleetStack, agent: FleetAgent, tally: KindTally): Promise<void> {
  const res = await request(stack, agent, "POST", "/v1/agent/heartbeat", { body: heartbeatBody(stack) });
  bump(tally.outcomes, `POST /v1/agent/heartbeat ${res.status}`);
  await expectStatus(res, [200], "heartbeat");
  await res.arrayBuffer();
}

async function snapshot(stack: FleetStack, agent: FleetAgent, tally: KindTally): Promise<void> {
  const res = await request(stack, agent, "POST", "/v1/agent/snapshots", { body: snapshotBody(agent) });
  bump(tally.outcomes, `POST /v1/agent/snapshots ${res.status}`);
  await expectStatus(res, [200, 201], "snapshot");
  await res.arrayBuffer();
}

/** One cron tick: every registered job, then the queue drained of what the tick fanned out. */
async function cronTick(stack: FleetStack, tally: KindTally): Promise<void> {
  const outcomes = await runScheduledJobs(stack.jobs.runner, "cron");
  for (const o of outcomes) bump(tally.outcomes, `job ${o.job} ${o.outcome}`);
  for (let round = 0; round < 20; round++) {
    const delivered = await stack.queue.processDue();
    tally.queueMessages += delivered;
    if (delivered === 0) break;
  }
}

export interface RunOptions {
  virtualMs: number;
  concurrency: number;
  schedule: AgentSchedule;
  /** the real agent pushes snapshots every snapshot interval; false leaves them out */
  snapshots: boolean;
  /** one request at a time, each metered on its own into FleetRun.trace (for the counters test) */
  trace?: boolean;
  log?: (line: string) => void;
}

const STEP_MS = 1000;
const CRON_MS = 60_000;

export async function runFleet(stack: FleetStack, agents: FleetAgent[], opts: RunOptions): Promise<FleetRun> {
  const { schedule } = opts;
  const n = agents.length;
  const tallies = Object.fromEntries(KINDS.map((k) => [k, emptyTally()])) as Record<Kind, KindTally>;
  // virtual ms offset → due work; agents start spread evenly over each interval, as a fleet does
  const due = new Map<number, Record<Exclude<Kind, "cron">, FleetAgent[]>>();
  const at = (ms: number, kind: Exclude<Kind, "cron">, agent: FleetAgent) => {
    const step = Math.floor(ms / STEP_MS);
    let slot = due.get(step);
    if (!slot) {
      slot = { poll: [], heartbeat: [], snapshot: [] };
      due.set(step, slot);
    }
    slot[kind].push(agent);
  };
  const nextPoll = new Map<FleetAgent, number>();
  // an idle fleet has been idle for long: every agent is already at its steady (backed-off) interval
  const steadyDelayMs = schedule.idlePollDelayMs(schedule.steadyUnchanged);
  for (const agent of agents) {
    agent.unchanged = schedule.steadyUnchanged;
    const first = Math.floor((agent.index * steadyDelayMs) / n);
    nextPoll.set(agent, first);
    at(first, "poll", agent);
    at(Math.floor((agent.index * schedule.heartbeatIntervalMs) / n), "heartbeat", agent);
    if (opts.snapshots) at(Math.floor((agent.index * schedule.snapshotIntervalMs) / n), "snapshot", agent);
  }

  const trace: TracedRequest[] = [];
  const each = async (
    kind: Exclude<Kind, "cron">,
    batch: FleetAgent[],
    send: (agent: FleetAgent) => Promise<void>,
  ): Promise<void> => {
    if (!opts.trace) {
      await mapBounded(batch, opts.concurrency, send);
      return;
    }
    for (const agent of batch) {
      const before = await stack.meter();
      await send(agent);
      const after = await stack.meter();
      trace.push({
        kind,
        clusterId: agent.clusterId,
        redisCommands: after.redis.commands - before.redis.commands,
        pgQueries: after.pgQueries - before.pgQueries,
        pgConnections: after.pgConnections - before.pgConnections,
        leases: after.leases - before.leases,
      });
    }
  };
  const steps = Math.ceil(opts.virtualMs / STEP_MS);
  const started = performance.now();
  const virtualStart = stack.clock.now().getTime();
  let expired = 0;
  const pgByHour = new Map<number, number>();
  expired += (await stack.redisTime.age(0)).expired; // the setup's wall time was no virtual time
  let last = await stack.meter();
  const measure = async (kind: Kind, work: () => Promise<void>) => {
    await work();
    const now = await stack.meter();
    addDelta(tallies[kind], last, now);
    const hour = Math.floor((stack.clock.now().getTime() - virtualStart) / 3_600_000);
    pgByHour.set(hour, (pgByHour.get(hour) ?? 0) + now.pgQueries - last.pgQueries);
    last = now;
  };

  for (let step = 0; step < steps; step++) {
    if (step > 0) {
      stack.clock.advance(STEP_MS);
      expired += (await stack.redisTime.age(STEP_MS)).expired;
      last = await stack.meter(); // the ageing is the bench's, not the app's
    }
    const t = step * STEP_MS;
    if (t % CRON_MS === 0) {
      const before = tallies.cron.pgQueries;
      await measure("cron", () => cronTick(stack, tallies.cron));
      tallies.cron.events++;
      if (tallies.cron.pgQueries === before) tallies.cron.ticksWithoutPostgres++;
    }
    const slot = due.get(step);
    due.delete(step);
    if (slot?.poll.length) {
      await measure("poll", () => each("poll", slot.poll, (agent) => poll(stack, agent, tallies.poll)));
      tallies.poll.events += slot.poll.length;
      for (const agent of slot.poll) {
        const next = nextPoll.get(agent)! + schedule.idlePollDelayMs(agent.unchanged);
        nextPoll.set(agent, next);
        at(next, "poll", agent);
      }
    }
    if (slot?.heartbeat.length) {
      await measure("heartbeat", () =>
        each("heartbeat", slot.heartbeat, (agent) => heartbeat(stack, agent, tallies.heartbeat)),
      );
      tallies.heartbeat.events += slot.heartbeat.length;
      for (const agent of slot.heartbeat) at(t + schedule.heartbeatIntervalMs, "heartbeat", agent);
    }
    if (slot?.snapshot.length) {
      await measure("snapshot", () =>
        each("snapshot", slot.snapshot, (agent) => snapshot(stack, agent, tallies.snapshot)),
      );
      tallies.snapshot.events += slot.snapshot.length;
      for (const agent of slot.snapshot) at(t + schedule.snapshotIntervalMs, "snapshot", agent);
    }
    if (opts.log && (step + 1) % 60 === 0) {
      const wall = (performance.now() - started) / 1000;
      opts.log(
        `virtual ${((step + 1) / 60).toFixed(0)} min: ${tallies.poll.events} polls, ` +
          `${tallies.heartbeat.events} heartbeats, ${tallies.cron.events} ticks; ${wall.toFixed(0)} s wall`,
      );
    }
  }
  return {
    virtualMs: steps * STEP_MS,
    wallMs: performance.now() - started,
    tallies,
    redisKeysExpired: expired,
    hoursWithPostgres: [...pgByHour.values()].filter((q) => q > 0).length,
    trace,
  };
}
