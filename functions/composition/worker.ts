/**
 * Composition root of the Worker: Neon over WebSockets opened per unit of
 * work (a Pool must not outlive its request), Upstash for coordination (no
 * in-process state survives between isolates), and the JOBS_QUEUE binding as
 * the job queue. Built once per isolate and reused across requests.
 */

import type { NeonOptions } from "../../drizzle/client.ts";
import { openWorkerDatabase } from "../../drizzle/client-worker.ts";
import { systemClock } from "../../shared/clock.ts";
import type { Logger } from "../../shared/logger.ts";
import { type App, createApp } from "../app.ts";
import { IGNORED_VARIABLES_WARNING, type WorkerSettings } from "../env.ts";
import { workersClientAddress } from "../http/client-address.ts";
import { UpstashCoordination } from "../lib/coordination/upstash.ts";
import { NO_ENCRYPTION_KEYS } from "../lib/crypto/encryption-keys.ts";
import { Keyring } from "../lib/crypto/keyring.ts";
import { fetchApiServerProbe } from "../lib/kube-probe/fetch-probe.ts";
import { noopMetrics } from "../lib/metrics/noop.ts";
import { bindingAssets } from "../lib/static-assets/binding.ts";
import { webhookTransport } from "../lib/webhooks/transport.ts";
import { bindingJobQueue } from "../queue/binding-queue.ts";
import type { JobQueue } from "../queue/types.ts";
import { bootstrapConfiguredToken, onceUntilSuccess } from "../services/bootstrap/worker-bootstrap.ts";
import { type JobsWiring, wireJobs } from "./jobs.ts";
import { type AppDeps, DEFAULT_READY_CHECK_TIMEOUT_MS, perUseDatabaseSource } from "./types.ts";

export interface WorkerRuntime extends JobsWiring {
  app: App;
  deps: AppDeps;
  /**
   * Before the request is served: a request presenting an API token waits for this isolate's
   * bootstrap of KSP_ADMIN_TOKEN (once; concurrent requests share it; a failure is logged and
   * retried by the next such request). Everything else passes straight through.
   */
  beforeRequest(request: Request): Promise<void>;
}

export const NO_ADMIN_TOKEN =
  "no bootstrap admin token is configured: set one with `wrangler secret put KSP_ADMIN_TOKEN` " +
  "(ksp_adm_ then 32 to 256 characters of A-Z a-z 0-9 _ -); a Worker generates none, nobody would see it";

/** `Authorization: Bearer ksp_adm_…`: the only requests whose answer the bootstrap can change. */
function presentsApiToken(request: Request): boolean {
  return /^Bearer\s+ksp_adm_/i.test(request.headers.get("authorization")?.trim() ?? "");
}

function adminBootstrap(settings: WorkerSettings, deps: AppDeps): WorkerRuntime["beforeRequest"] {
  const configured = settings.adminToken;
  if (!configured) {
    deps.logger.info(NO_ADMIN_TOKEN);
    return async () => {};
  }
  const once = onceUntilSuccess(() =>
    bootstrapConfiguredToken(
      {
        ...deps,
        async withDatabase(work) {
          const lease = await deps.databases.acquire();
          try {
            return await work(lease.database.db);
          } finally {
            await lease.release();
          }
        },
      },
      configured,
    ),
  );
  return async (request) => {
    if (!presentsApiToken(request)) return;
    // served either way: the request's own answer (401, or 503 with the database down) says more than ours
    await once().catch((err: unknown) =>
      deps.logger.error("bootstrap admin token not set up yet; the next admin request retries", {
        error: err,
      }),
    );
  };
}

/** Local development only: plain WebSockets to a ws-to-TCP proxy in front of an ordinary Postgres. */
function neonOptionsFor(settings: WorkerSettings): NeonOptions | undefined {
  if (!settings.neonWsProxy) return undefined;
  return {
    wsProxy: settings.neonWsProxy,
    useSecureWebSocket: false,
    pipelineTLS: false,
    pipelineConnect: false,
  };
}

export function composeWorker(settings: WorkerSettings, logger: Logger): WorkerRuntime {
  const neon = neonOptionsFor(settings);
  // no disk to keep a generated key on: without KSP_ENCRYPTION_KEYS there is no keyring
  if (!settings.encryptionKeys) logger.info(NO_ENCRYPTION_KEYS);
  if (settings.ignoredVariables)
    logger.warn(IGNORED_VARIABLES_WARNING, { variables: settings.ignoredVariables });
  const queue: JobQueue = bindingJobQueue(settings.jobsQueue);
  const deps: AppDeps = {
    databases: perUseDatabaseSource(() =>
      openWorkerDatabase({ databaseUrl: settings.databaseUrl, neon, maxConnections: 2 }),
    ),
    coordination: new UpstashCoordination(settings.upstash, {
      prefix: settings.coordinationPrefix,
      clock: systemClock,
    }),
    clock: systemClock,
    logger,
    clientAddress: workersClientAddress,
    config: {
      maxBodyBytes: settings.maxBodyBytes,
      maxImportBytes: settings.maxImportBytes,
      readyCheckTimeoutMs: DEFAULT_READY_CHECK_TIMEOUT_MS,
      policy: settings.policy,
    },
    // QStash when QSTASH_TOKEN is set, else the in-process sender if a signing key is (no disk to keep one)
    webhooks: webhookTransport(settings.webhooks),
    // An isolate's counters neither last nor can be scraped: GET /metrics answers 404 here.
    metrics: noopMetrics,
    assets: settings.assets ? bindingAssets(settings.assets) : undefined,
    encryption: settings.encryptionKeys ? new Keyring(settings.encryptionKeys) : undefined,
    // plain fetch: token and basic-auth kubeconfigs on publicly trusted endpoints (lib/kube-probe/fetch-probe.ts)
    apiServerProbe: fetchApiServerProbe(),
    jobs: queue,
  };
  return {
    app: createApp(deps),
    deps,
    beforeRequest: adminBootstrap(settings, deps),
    ...wireJobs({ app: deps, queue }),
  };
}
