/**
 * The real control-plane app on a fresh Postgres database, for /v1 route
 * tests: in-process coordination, a ManualClock-free system clock, and
 * helpers to mint tokens of any role/scope and agent credentials directly in
 * the database (so a test of route X does not depend on route Y).
 * `driver: "pglite"` runs the same app on embedded PGlite (in memory) instead,
 * as the single-node install does; such an api has no `testDatabase` URL.
 *
 *   const api = await startTestApi();            // in beforeAll
 *   const res = await api.call("POST", "/v1/clusters", { token: api.admin, body: {...} });
 *   await api.close();                           // in afterAll
 */
import { eq } from "drizzle-orm";
import type { Database, DriverName } from "../../drizzle/client.ts";
import { openNodePostgres } from "../../drizzle/drivers/node-postgres.ts";
import { openPglite, PGLITE_IN_MEMORY } from "../../drizzle/drivers/pglite.ts";
import { migrateDatabase } from "../../drizzle/migrate.ts";
import { type ApiTokenRole, apiTokens, clusters } from "../../drizzle/schema/index.ts";
import { type App, createApp } from "../../functions/app.ts";
import {
  type AppDeps,
  DEFAULT_READY_CHECK_TIMEOUT_MS,
  sharedDatabaseSource,
} from "../../functions/composition/types.ts";
import { nodeClientAddress } from "../../functions/http/client-address.ts";
import { MemoryCoordination } from "../../functions/lib/coordination/memory.ts";
import type { Coordination } from "../../functions/lib/coordination/types.ts";
import type { Keyring } from "../../functions/lib/crypto/keyring.ts";
import { noopMetrics } from "../../functions/lib/metrics/noop.ts";
import type { ControlPlaneMetrics } from "../../functions/lib/metrics/types.ts";
import { generateToken, hashToken, tokenDisplayPrefix } from "../../functions/lib/tokens.ts";
import { type WebhookTransport, webhookTransport } from "../../functions/lib/webhooks/transport.ts";
import { DEFAULT_POLICY, type PolicySettings } from "../../functions/policy.ts";
import { type Clock, systemClock } from "../../shared/clock.ts";
import { createMemoryLogger } from "../../shared/logger.ts";
import { createTestDatabase, type TestDatabase } from "./postgres.ts";
import { recordUsage } from "./usage.ts";

/** The drivers startTestApi can run on: Postgres over node-postgres, or embedded PGlite. */
export type TestApiDriver = Extract<DriverName, "node-postgres" | "pglite">;
export const TEST_API_DRIVERS: readonly TestApiDriver[] = ["node-postgres", "pglite"];

export interface CallOptions {
  token?: string;
  body?: unknown;
  /** raw body text (e.g. CSV); sent as-is with `contentType` */
  text?: string;
  contentType?: string;
  headers?: Record<string, string>;
}

export interface TestApi {
  app: App;
  deps: AppDeps;
  database: Database;
  /** the Postgres database (node-postgres only; reading it on PGlite throws) */
  testDatabase: TestDatabase;
  /** an admin API token with no cluster scope */
  admin: string;
  tokenFor(role: ApiTokenRole, clusterId?: string | null): Promise<string>;
  /** sets a fresh agent credential on the cluster and returns it */
  agentCredentialFor(clusterId: string): Promise<string>;
  call(method: string, path: string, options?: CallOptions): Promise<Response>;
  /** call + parse JSON; returns status and body */
  json<T = any>(
    method: string,
    path: string,
    options?: CallOptions,
  ): Promise<{ status: number; body: T; res: Response }>;
  close(): Promise<void>;
}

export async function startTestApi(
  opts: {
    policy?: Partial<PolicySettings>;
    clock?: Clock;
    coordination?: Coordination;
    maxConnections?: number;
    /** node-postgres (default) on a fresh Postgres database, or PGlite in memory */
    driver?: TestApiDriver;
    /** how notifications leave and inbound hooks are verified; default: nothing configured */
    webhooks?: WebhookTransport;
    /** what the app records about its own work; default: nothing */
    metrics?: ControlPlaneMetrics;
    /** seals secrets at rest; default: none (features that store secrets answer 503) */
    encryption?: Keyring;
  } = {},
): Promise<TestApi> {
  const { database, testDatabase } = await openApiDatabase(opts.driver ?? "node-postgres", opts);
  const clock = opts.clock ?? systemClock;
  const deps: AppDeps = {
    databases: sharedDatabaseSource(database),
    // one app, one process: its in-process store is every replica's (tests of several replicas build two)
    coordination: opts.coordination ?? new MemoryCoordination(clock, { soleReplica: true }),
    clock,
    logger: createMemoryLogger("warn"),
    // app.request has no socket: the address comes from X-Forwarded-For as if two proxies stood in front
    clientAddress: nodeClientAddress(2),
    config: {
      maxBodyBytes: 1024 * 1024,
      maxImportBytes: 16 * 1024 * 1024,
      readyCheckTimeoutMs: DEFAULT_READY_CHECK_TIMEOUT_MS,
      policy: {
        ...DEFAULT_POLICY,
        rateLimitPerMinute: 1_000_000,
        authFailuresPerMinute: 1_000_000,
        registrationsPerMinutePerAddress: 1_000_000,
        registrationsPerMinutePerCluster: 1_000_000,
        ...opts.policy,
      },
    },
    webhooks:
      opts.webhooks ??
      webhookTransport({ qstash: undefined, signingKeys: undefined, emailWebhookUrl: undefined }),
    metrics: opts.metrics ?? noopMetrics,
    ...(opts.encryption ? { encryption: opts.encryption } : {}),
  };
  const app = createApp(deps);

  const tokenFor = async (role: ApiTokenRole, clusterId: string | null = null) => {
    const token = generateToken("api");
    await database.db.insert(apiTokens).values({
      name: `test-${role}`,
      tokenHash: await hashToken(token),
      displayPrefix: tokenDisplayPrefix(token),
      role,
      clusterId,
    });
    return token;
  };
  const agentCredentialFor = async (clusterId: string) => {
    const credential = generateToken("agent");
    await database.db
      .update(clusters)
      .set({ agentCredentialHash: await hashToken(credential), status: "active" })
      .where(eq(clusters.id, clusterId));
    return credential;
  };
  const call = (method: string, path: string, o: CallOptions = {}) => {
    const headers: Record<string, string> = { ...o.headers };
    if (o.token) headers.authorization = `Bearer ${o.token}`;
    let body: string | undefined;
    if (o.text !== undefined) {
      body = o.text;
      headers["content-type"] = o.contentType ?? "text/plain";
    } else if (o.body !== undefined) {
      body = JSON.stringify(o.body);
      headers["content-type"] = "application/json";
    }
    return Promise.resolve(app.request(path, { method, headers, body }));
  };
  const admin = await tokenFor("admin");
  return {
    app,
    deps,
    database,
    get testDatabase(): TestDatabase {
      if (!testDatabase) throw new Error(`startTestApi on ${database.driver} has no Postgres testDatabase`);
      return testDatabase;
    },
    admin,
    tokenFor,
    agentCredentialFor,
    call,
    async json(method, path, options) {
      const res = await call(method, path, options);
      const text = await res.text();
      return { status: res.status, body: text ? JSON.parse(text) : undefined, res };
    },
    async close() {
      await database.close();
      await testDatabase?.drop();
    },
  };
}

async function openApiDatabase(
  driver: TestApiDriver,
  opts: { maxConnections?: number },
): Promise<{ database: Database; testDatabase?: TestDatabase }> {
  recordUsage("driver", driver);
  if (driver === "pglite") {
    const database = await openPglite(PGLITE_IN_MEMORY);
    try {
      await migrateDatabase(database);
    } catch (err) {
      await database.close();
      throw err;
    }
    return { database };
  }
  const testDatabase = await createTestDatabase();
  try {
    const database = await openNodePostgres(testDatabase.url, { maxConnections: opts.maxConnections ?? 10 });
    return { database, testDatabase };
  } catch (err) {
    await testDatabase.drop();
    throw err;
  }
}
