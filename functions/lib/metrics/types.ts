/**
 * What the control plane reports about its own work, behind an interface so
 * nothing below the composition roots knows whether it is exported: Node
 * wires prom-client (prometheus.ts), the Worker the no-op (noop.ts), since an
 * isolate's counters would neither survive nor be scrapable.
 */

/** busy: another runner held the job's lock, so this run did nothing. */
export type JobRunOutcome = "ok" | "busy" | "failed";
/** The queue consumer's decision for one message (queue/types.ts Decision). */
export type QueueOutcome = "acked" | "retried" | "parked";
/** refused: pool_at_max, not_enough_machines or pool_disabled. */
export type AllocationOutcome = "granted" | "refused";

export interface MetricsExposition {
  contentType: string;
  body: string;
}

export interface ControlPlaneMetrics {
  /** `route`: the matched route pattern (or "unmatched"), never a raw path, so series stay bounded. */
  httpRequest(route: string, method: string, status: number, seconds: number): void;
  /** `seconds` is absent for a busy run, which did no work worth timing. */
  jobRun(job: string, outcome: JobRunOutcome, seconds?: number): void;
  queueDecision(outcome: QueueOutcome): void;
  /** `machines`: reserved (granted) or asked for (refused); a replayed allocation reserves none. */
  allocation(outcome: AllocationOutcome, machines: number): void;
  /** The scrape body; undefined where this runtime exports none (Workers). */
  expose(): Promise<MetricsExposition | undefined>;
}
