/**
 * The control plane as a Worker runs it, in this process, for the fleet bench:
 * the real app (createApp) and the real scheduler path (wireJobs,
 * runScheduledJobs, the in-process queue draining what a tick fans out) on
 * real Postgres (node-postgres) and real Redis behind the Upstash REST bridge
 * through UpstashCoordination, with a ManualClock for virtual time.
 *
 * The database is leased the Worker's way (perUseDatabaseSource): every
 * request or job run that needs one gets its own pool of at most 2
 * connections, which connects on its first statement and is closed when the
 * lease is released — as the Neon driver's Pool does in a Worker (no `select 1`
 * check, no statement cache). So the connections counted are the ones a
 * Worker would open.
 *
 * What is counted, and where:
 * - Redis: every command the bridge receives (fleet-bridge.ts: the bridge runs
 *   in a child process, so its CPU is not the app's);
 * - Postgres: every statement and connection of node-postgres in this process
 *   (countPostgresTraffic, test/support/db-drivers.ts), and every lease.
 */
import { randomBytes } from "node:crypto";
import { drizzle } from "drizzle-orm/node-postgres";
import pg from "pg";
import type { Database, Db } from "../drizzle/client.ts";
import { openNodePostgres } from "../drizzle/drivers/node-postgres.ts";
import * as schema from "../drizzle/schema/index.ts";
import { type App, createApp } from "../functions/app.ts";
import { type JobsWiring, wireJobs } from "../functions/composition/jobs.ts";
import {
  type AppDeps,
  type DatabaseSource,
  DEFAULT_READY_CHECK_TIMEOUT_MS,
  perUseDatabaseSource,
  sharedDatabaseSource,
} from "../functions/composition/types.ts";
import { nodeClientAddress } from "../functions/http/client-address.ts";
import { UpstashCoordination } from "../functions/lib/coordination/upstash.ts";
import { noopMetrics } from "../functions/lib/metrics/noop.ts";
import { webhookTransport } from "../functions/lib/webhooks/transport.ts";
import { DEFAULT_POLICY, type PolicySettings } from "../functions/policy.ts";
import { InProcessQueue } from "../functions/queue/in-process.ts";
import { ManualClock } from "../shared/clock.ts";
import { createMemoryLogger } from "../shared/logger.ts";
import { countPostgresTraffic, type PostgresTraffic } from "../test/support/db-drivers.ts";
import { createTestDatabase, type TestDatabase } from "../test/support/postgres.ts";
import type { BridgeStats } from "../test/support/upstash-bridge.ts";
import { type RemoteBridge, startRemoteBridge } from "./fleet-bridge.ts";
import { type RedisTime, startRedisTime } from "./fleet-redis-time.ts";

/** The Worker's per-lease database (drizzle/drivers/neon.ts without verify), on node-postgres. */
function openLazyDatabase(url: string): Promise<Database> {
  const pool = new pg.Pool({ connectionString: url, max: 2, connectionTimeoutMillis: 5_000 });
  pool.on("error", () => {});
  const db = drizzle({ client: pool, schema }) as unknown as Db;
  return Promise.resolve({
    db,
    driver: "node-postgres",
    close: () => pool.end(),
    describe: () => "node-postgres (per lease, as a Worker)",
  });
}

/** A Monday 10:00 UTC: no daily job (strategy evaluation at 02:00, the roll-up after midnight) falls in the hour. */
export const FLEET_START = Date.UTC(2026, 0, 12, 10, 0, 0);

export interface Meter {
  redis: BridgeStats;
  pgQueries: number;
  pgConnections: number;
  leases: number;
  cpuMicros: number;
  wallMs: number;
}

export interface FleetStack {
  app: App;
  deps: AppDeps;
  clock: ManualClock;
  /** a shared pool for seeding and checks; the app never uses it */
  database: Database;
  queue: InProcessQueue;
  jobs: JobsWiring;
  redisTime: RedisTime;
  /**
   * "worker" (the default): a pool per lease, as above; "shared": every lease shares the seeding
   * pool — for the setup only, so registering thousands of agents does not open thousands of
   * connections.
   */
  leaseMode: "worker" | "shared";
  /** everything counted so far */
  meter(): Promise<Meter>;
  /** error lines the app logged (a healthy idle fleet logs none) */
  errors(): Record<string, unknown>[];
  close(): Promise<void>;
}

export async function startFleetStack(opts: { policy?: Partial<PolicySettings> } = {}): Promise<FleetStack> {
  // before any pool opens: the counter wraps what each connection binds at connect time
  const traffic: PostgresTraffic = countPostgresTraffic();
  const closers: (() => Promise<void>)[] = [async () => traffic.stop()];
  const close = async () => {
    for (const fn of closers.reverse()) await fn().catch(() => undefined);
  };
  try {
    const testDatabase: TestDatabase = await createTestDatabase();
    closers.push(() => testDatabase.drop());
    const database = await openNodePostgres(testDatabase.url, { maxConnections: 4 });
    closers.push(() => database.close());
    const bridge: RemoteBridge = await startRemoteBridge();
    closers.push(() => bridge.close());
    const prefix = `ksp-bench-fleet:${randomBytes(6).toString("hex")}:`;
    const redisTime = await startRedisTime(prefix);
    closers.push(() => redisTime.close());

    const clock = new ManualClock(FLEET_START);
    const logger = createMemoryLogger("error");
    let leases = 0;
    const perLease = perUseDatabaseSource(() => openLazyDatabase(testDatabase.url));
    const shared = sharedDatabaseSource(database);
    const databases: DatabaseSource = {
      acquire() {
        leases++;
        return stack.leaseMode === "worker" ? perLease.acquire() : shared.acquire();
      },
    };
    const deps: AppDeps = {
      databases,
      coordination: new UpstashCoordination({ url: bridge.url, token: bridge.token }, { prefix, clock }),
      clock,
      logger,
      // each simulated agent comes from its own address (X-Forwarded-For behind two proxies)
      clientAddress: nodeClientAddress(2),
      config: {
        maxBodyBytes: 1024 * 1024,
        maxImportBytes: 16 * 1024 * 1024,
        readyCheckTimeoutMs: DEFAULT_READY_CHECK_TIMEOUT_MS,
        // production defaults: the rate limits are part of what a request costs
        policy: { ...DEFAULT_POLICY, ...opts.policy },
      },
      webhooks: webhookTransport({ qstash: undefined, signingKeys: undefined, emailWebhookUrl: undefined }),
      metrics: noopMetrics,
    };
    let consumeBatch: JobsWiring["consumeBatch"] | undefined;
    const queue = new InProcessQueue({ clock, logger, consumeBatch: (d) => consumeBatch!(d) });
    const jobs = wireJobs({ app: deps, queue });
    consumeBatch = jobs.consumeBatch;
    const app = createApp(deps);
    const stack: FleetStack = {
      leaseMode: "worker",
      app,
      deps,
      clock,
      database,
      queue,
      jobs,
      redisTime,
      async meter() {
        const redis = await bridge.stats();
        const cpu = process.cpuUsage();
        const pg = traffic.counts();
        return {
          redis,
          pgQueries: pg.queries,
          pgConnections: pg.connections,
          leases,
          cpuMicros: cpu.user + cpu.system,
          wallMs: performance.now(),
        };
      },
      errors: () => logger.lines,
      close,
    };
    return stack;
  } catch (err) {
    await close();
    throw err;
  }
}
