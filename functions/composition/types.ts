/**
 * What the HTTP app, the scheduler and the queue consumer need from their
 * entry point. Each entry (node.ts, worker.ts) builds these once in its
 * composition root; nothing below the entry knows which runtime it is on.
 */
import type { Database } from "../../drizzle/client.ts";
import type { Clock } from "../../shared/clock.ts";
import type { Logger } from "../../shared/logger.ts";
import type { ClientAddress } from "../http/client-address.ts";
import type { Coordination } from "../lib/coordination/types.ts";
import type { Keyring } from "../lib/crypto/keyring.ts";
import type { ApiServerProbe } from "../lib/kube-probe/types.ts";
import type { ControlPlaneMetrics } from "../lib/metrics/types.ts";
import type { StaticAssets } from "../lib/static-assets/types.ts";
import type { WebhookTransport } from "../lib/webhooks/transport.ts";
import type { PolicySettings } from "../policy.ts";
import type { JobQueue } from "../queue/types.ts";

/** A database lent for one unit of work (a request, a job run, a queue message). */
export interface DatabaseLease {
  readonly database: Database;
  /** Gives the database back: a no-op for a shared pool, a close for a per-request one. */
  release(): Promise<void>;
}

/**
 * Where units of work get their database. On Node one pool serves every
 * request; in a Worker a connection must not outlive the request that opened
 * it, so each lease opens (and its release closes) its own.
 */
export interface DatabaseSource {
  acquire(): Promise<DatabaseLease>;
}

export interface AppConfig {
  /** Request bodies above this many bytes are refused with 413. */
  maxBodyBytes: number;
  /** Limit for bulk endpoints such as machine import. */
  maxImportBytes: number;
  /** Upper bound for each /readyz check. */
  readyCheckTimeoutMs: number;
  /** Bearer token GET /metrics requires (KSP_METRICS_TOKEN); undefined: open, like /healthz. */
  metricsToken?: string;
  policy: PolicySettings;
}

export interface AppDeps {
  databases: DatabaseSource;
  coordination: Coordination;
  clock: Clock;
  logger: Logger;
  /** The caller's address as this runtime can vouch for it (rate limits, audit rows). */
  clientAddress: ClientAddress;
  config: AppConfig;
  /** outbound notifications and the keys inbound hooks are verified with */
  webhooks: WebhookTransport;
  /** Prometheus on Node, the no-op on Workers (lib/metrics/). */
  metrics: ControlPlaneMetrics;
  /** The built console and docs (dist/static); absent: /ui and /docs answer 404 saying how to build them. */
  assets?: StaticAssets;
  /**
   * Encrypts secrets at rest (KSP_ENCRYPTION_KEYS, or an embedded install's own key); absent:
   * features that store secrets refuse, never store them in plain text.
   */
  encryption?: Keyring;
  /**
   * Checks a cluster's API server through its kubeconfig (lib/kube-probe/): node:https on Node,
   * fetch on Workers; absent: the health worker (jobs/probe-clusters.ts) checks nothing.
   */
  apiServerProbe?: ApiServerProbe;
  /**
   * The job queue's producer, for routes that put work on it (POST /v1/dead-letters/{id}/replay):
   * JOBS_QUEUE on Workers, the in-process queue on Node; absent: such routes answer 503.
   */
  jobs?: JobQueue;
}

export const DEFAULT_READY_CHECK_TIMEOUT_MS = 2_000;

/** Node: one long-lived database shared by every unit of work. */
export function sharedDatabaseSource(database: Database): DatabaseSource {
  const lease: DatabaseLease = { database, release: async () => {} };
  return { acquire: async () => lease };
}

/** Worker: a fresh database per unit of work, closed when the lease is released. */
export function perUseDatabaseSource(open: () => Promise<Database>): DatabaseSource {
  return {
    async acquire() {
      const database = await open();
      return { database, release: () => database.close() };
    },
  };
}
