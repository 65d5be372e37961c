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
import type { WorkerSettings } from "../env.ts";
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
import { type JobsWiring, wireJobs } from "./jobs.ts";
import { type AppDeps, DEFAULT_READY_CHECK_TIMEOUT_MS, perUseDatabaseSource } from "./types.ts";

export interface WorkerRuntime extends JobsWiring {
  app: App;
  deps: AppDeps;
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
  };
  const queue: JobQueue = bindingJobQueue(settings.jobsQueue);
  return { app: createApp(deps), deps, ...wireJobs({ app: deps, queue }) };
}
