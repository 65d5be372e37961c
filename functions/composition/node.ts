/**
 * Composition root of the Node entry: embedded PGlite (or DATABASE_URL),
 * migrations applied at start, in-process or Upstash coordination, the
 * bootstrap admin token, the app, the in-process queue and the scheduler.
 * Process concerns (listening, signals, exit codes) stay in node.ts.
 */
import { existsSync } from "node:fs";
import { join } from "node:path";
import { type Database, openDatabase } from "../../drizzle/client.ts";
import { migrateDatabase } from "../../drizzle/migrate.ts";
import { type Clock, systemClock } from "../../shared/clock.ts";
import { createLogger, type Logger } from "../../shared/logger.ts";
import { type App, createApp } from "../app.ts";
import { IGNORED_VARIABLES_WARNING, type NodeSettings } from "../env.ts";
import { nodeClientAddress } from "../http/client-address.ts";
import { runScheduledJobs } from "../jobs/runner.ts";
import { type IntervalScheduler, startIntervalScheduler } from "../jobs/scheduler.ts";
import { MemoryCoordination } from "../lib/coordination/memory.ts";
import type { Coordination } from "../lib/coordination/types.ts";
import { UpstashCoordination } from "../lib/coordination/upstash.ts";
import { NO_ENCRYPTION_KEYS } from "../lib/crypto/encryption-keys.ts";
import { Keyring } from "../lib/crypto/keyring.ts";
import { nodeApiServerProbe } from "../lib/kube-probe/node-probe.ts";
import { createPrometheusMetrics } from "../lib/metrics/prometheus.ts";
import { BUILT_STATIC_DIR, directoryAssets } from "../lib/static-assets/directory.ts";
import { CONSOLE_NOT_BUILT } from "../lib/static-assets/types.ts";
import { type WebhookSettings, webhookTransport } from "../lib/webhooks/transport.ts";
import { InProcessQueue } from "../queue/in-process.ts";
import { type EnsureAdminTokenResult, ensureAdminToken } from "../services/bootstrap/ensure-admin-token.ts";
import { refuseUnreadableSecrets } from "../services/secrets/stored-keys-check.ts";
import { dataDirKeyring } from "./encryption-keyring.ts";
import { wireJobs } from "./jobs.ts";
import { type AppDeps, DEFAULT_READY_CHECK_TIMEOUT_MS, sharedDatabaseSource } from "./types.ts";
import { dataDirSigningKey } from "./webhook-signing-key.ts";

const QUEUE_POLL_MS = 1_000;
const NO_WEBHOOK_TRANSPORT_WARNING =
  "notifications cannot be sent: set QSTASH_TOKEN, or QSTASH_CURRENT_SIGNING_KEY for the in-process sender";

export interface NodeRuntime {
  app: App;
  deps: AppDeps;
  database: Database;
  queue: InProcessQueue;
  adminToken: EnsureAdminTokenResult;
  /** Starts the scheduler and the queue poller. */
  startBackground(): void;
  /** Stops background work, then closes the database; safe to call twice. */
  close(): Promise<void>;
}

/**
 * Without Upstash the store is this process's memory. That is the whole truth
 * only on embedded PGlite (one process owns the data directory); on a
 * DATABASE_URL other replicas may run beside this one, so the store must not
 * be trusted with what they can invalidate (see `sharedAcrossReplicas`).
 */
function coordinationFor(settings: NodeSettings, clock: Clock): Coordination {
  const options = { prefix: settings.coordinationPrefix };
  return settings.upstash
    ? new UpstashCoordination(settings.upstash, { ...options, clock })
    : new MemoryCoordination(clock, { ...options, soleReplica: settings.databaseUrl === undefined });
}

/**
 * The environment's webhook settings, plus, on an embedded install with
 * neither QStash nor a signing key, a key of its own from the data dir, so
 * notifications are signed out of the box. A DATABASE_URL install may run
 * several replicas, each with its own disk: it must be given the key.
 */
async function webhookSettingsFor(settings: NodeSettings, logger: Logger): Promise<WebhookSettings> {
  const { webhooks } = settings;
  if (webhooks.qstash || webhooks.signingKeys || settings.databaseUrl !== undefined) return webhooks;
  const key = await dataDirSigningKey(settings.dataDir, logger);
  return { ...webhooks, signingKeys: { currentSigningKey: key, nextSigningKey: key } };
}

/** The configured keys; an embedded install's own; or none where a data-dir key would not be shared. */
async function keyringFor(settings: NodeSettings, logger: Logger): Promise<Keyring | undefined> {
  if (settings.encryptionKeys) return new Keyring(settings.encryptionKeys);
  if (settings.databaseUrl === undefined) return dataDirKeyring(settings.dataDir, logger);
  logger.info(NO_ENCRYPTION_KEYS);
  return undefined;
}

export async function composeNode(
  settings: NodeSettings,
  opts: { logger?: Logger; clock?: Clock } = {},
): Promise<NodeRuntime> {
  const logger = opts.logger ?? createLogger({ level: settings.logLevel });
  if (settings.ignoredVariables)
    logger.warn(IGNORED_VARIABLES_WARNING, { variables: settings.ignoredVariables });
  const clock = opts.clock ?? systemClock;
  const database = await openDatabase({
    runtime: "node",
    databaseUrl: settings.databaseUrl,
    dataDir: settings.dataDir,
    statementCacheSize: settings.databaseStatementCacheSize,
  });
  try {
    await migrateDatabase(database);
    const coordination = coordinationFor(settings, clock);
    const webhooks = webhookTransport(await webhookSettingsFor(settings, logger));
    if (!webhooks.publisher) logger.warn(NO_WEBHOOK_TRANSPORT_WARNING);
    const metrics = createPrometheusMetrics();
    const encryption = await keyringFor(settings, logger);
    await refuseUnreadableSecrets(database.db, encryption);
    // The queue and its consumer refer to each other; `consumeBatch` is read only once messages flow.
    let consumeBatch: ReturnType<typeof wireJobs>["consumeBatch"] | undefined;
    const queue = new InProcessQueue({
      clock,
      logger,
      consumeBatch: (deliveries) => consumeBatch!(deliveries),
    });
    const deps: AppDeps = {
      databases: sharedDatabaseSource(database),
      coordination,
      clock,
      logger,
      clientAddress: nodeClientAddress(settings.trustedProxies),
      config: {
        maxBodyBytes: settings.maxBodyBytes,
        maxImportBytes: settings.maxImportBytes,
        readyCheckTimeoutMs: DEFAULT_READY_CHECK_TIMEOUT_MS,
        policy: settings.policy,
        metricsToken: settings.metricsToken,
      },
      webhooks,
      metrics,
      assets: directoryAssets(BUILT_STATIC_DIR),
      encryption,
      // node:https: any kubeconfig we accept (its own CA, client certificates, tls-server-name)
      apiServerProbe: nodeApiServerProbe(),
      jobs: queue,
    };
    if (!existsSync(join(BUILT_STATIC_DIR, "ui", "index.html"))) logger.warn(CONSOLE_NOT_BUILT);
    const adminToken = await ensureAdminToken({
      ctx: { db: database.db, clock, logger, coordination, requestId: "startup", actor: "system" },
      input: { configuredToken: settings.adminToken },
    });

    const jobs = wireJobs({ app: deps, queue });
    consumeBatch = jobs.consumeBatch;
    metrics.watchQueueDepth(() => queue.pendingCount);

    let scheduler: IntervalScheduler | undefined;
    let closing: Promise<void> | undefined;
    return {
      app: createApp(deps),
      deps,
      database,
      queue,
      adminToken,
      startBackground() {
        queue.start(QUEUE_POLL_MS);
        scheduler ??= startIntervalScheduler({
          intervalMs: settings.schedulerIntervalMs,
          tick: () => runScheduledJobs(jobs.runner, "interval"),
          logger,
        });
      },
      close() {
        closing ??= (async () => {
          await scheduler?.stop();
          await queue.stop();
          await database.close();
        })();
        return closing;
      },
    };
  } catch (err) {
    await database.close().catch(() => undefined);
    throw err;
  }
}
