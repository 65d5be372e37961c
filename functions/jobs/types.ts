/**
 * A job is a function the scheduler runs on every tick (Node interval,
 * Worker cron) and that the queue can run on demand. Jobs get their
 * dependencies through JobContext, never from a runtime.
 */
import type { Database } from "../../drizzle/client.ts";
import type { Clock } from "../../shared/clock.ts";
import type { Logger } from "../../shared/logger.ts";
import type { Coordination } from "../lib/coordination/types.ts";
import type { Keyring } from "../lib/crypto/keyring.ts";
import type { ApiServerProbe } from "../lib/kube-probe/types.ts";
import type { WebhookTransport } from "../lib/webhooks/transport.ts";
import type { PolicySettings } from "../policy.ts";
import type { JobQueue } from "../queue/types.ts";
import type { IdleCheck } from "./idle.ts";

export interface JobContext {
  clock: Clock;
  logger: Logger;
  coordination: Coordination;
  /** Leased on first use and released when the run ends. */
  database(): Promise<Database>;
  /** For fanning work out (e.g. one message per cluster). */
  queue: JobQueue;
  /** Correlates the run's log lines. */
  runId: string;
  /** Retention, TTLs and thresholds the jobs apply. */
  policy: PolicySettings;
  /** How notifications leave (QStash or the in-process sender) and where email goes. */
  webhooks: WebhookTransport;
  /** opens the secrets jobs need (kubeconfigs) and re-seals them on rotation; absent: no key configured */
  encryption?: Keyring;
  /** checks a cluster's API server through its kubeconfig (probe-clusters); absent: nothing is checked */
  apiServerProbe?: ApiServerProbe;
}

export interface Job {
  /** Unique; also the lock key, so two runners never run the same job at once. */
  name: string;
  /** Upper bound of one run; the job's lock lapses after it even if the runner died. */
  lockTtlMs: number;
  run(ctx: JobContext): Promise<void>;
  /**
   * One cluster's share of the work, for jobs whose scheduled run fans out
   * (`job.cluster` messages). Runs under its own lock, `job:<name>:cluster:<id>`,
   * so the same cluster is never processed twice at once.
   */
  runForCluster?(ctx: JobContext, clusterId: string): Promise<void>;
  /**
   * How many of this job's `job.cluster` messages of one delivery batch may run at once (the
   * consumer runs other messages one after another). Absent: 1. For work that mostly waits on
   * another host, e.g. probe-clusters' API server checks.
   */
  clusterConcurrency?(policy: PolicySettings): number;
  /**
   * How a scheduler tick tells, from coordination alone, that this job has nothing to do
   * (jobs/idle.ts); such a tick skips it without lock or database. Absent: it always runs.
   */
  idle?: IdleCheck;
  /** runs without the job lock: only for a run with no effect beyond a log line */
  unlocked?: boolean;
}

export type JobOutcome =
  /** `idle`: skipped because its marker said there was nothing to do (jobs/idle.ts) */
  | { job: string; outcome: "ok"; durationMs: number; idle?: true }
  /** another runner holds the job's lock */
  | { job: string; outcome: "busy" }
  /** poison: the job threw PoisonMessageError (retrying cannot help: its message is parked at once) */
  | { job: string; outcome: "failed"; error: string; durationMs: number; poison?: true };
