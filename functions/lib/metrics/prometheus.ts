/**
 * The Node control plane's metrics on a prom-client Registry of its own
 * (never the global one, so two apps in one test process do not share
 * counters), with the process's default metrics beside them. Served by
 * GET /metrics (routes/metrics.ts).
 */
import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from "prom-client";
import type { ControlPlaneMetrics } from "./types.ts";

export interface PrometheusMetrics extends ControlPlaneMetrics {
  readonly registry: Registry;
  /** The in-process queue's pending count, read on each scrape (the queue is built after the metrics). */
  watchQueueDepth(read: () => number): void;
}

// Anything else (a client's invented verb) is one "other" series, not one per verb.
const METHODS = new Set(["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"]);
// Most requests are one or two queries; imports and exports take seconds.
const HTTP_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];
// A job run is a sweep over the database: from milliseconds (nothing to do) to minutes.
const JOB_BUCKETS = [0.01, 0.05, 0.1, 0.5, 1, 5, 10, 30, 60, 120, 300];

export function createPrometheusMetrics(): PrometheusMetrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  const requests = new Counter({
    name: "ksp_http_requests_total",
    help: "HTTP requests served, by route pattern (unmatched: no route), method and status.",
    labelNames: ["route", "method", "status"] as const,
    registers: [registry],
  });
  const requestDuration = new Histogram({
    name: "ksp_http_request_duration_seconds",
    help: "HTTP request latency, by route pattern and method.",
    labelNames: ["route", "method"] as const,
    buckets: HTTP_BUCKETS,
    registers: [registry],
  });
  const jobRuns = new Counter({
    name: "ksp_job_runs_total",
    help: "Job runs, by job and outcome (ok, busy: locked elsewhere, failed).",
    labelNames: ["job", "outcome"] as const,
    registers: [registry],
  });
  const jobDuration = new Histogram({
    name: "ksp_job_duration_seconds",
    help: "Duration of job runs that did work (ok or failed), by job.",
    labelNames: ["job"] as const,
    buckets: JOB_BUCKETS,
    registers: [registry],
  });
  const queueMessages = new Counter({
    name: "ksp_queue_messages_total",
    help: "Job queue messages, by the consumer's decision (acked, retried, parked).",
    labelNames: ["outcome"] as const,
    registers: [registry],
  });
  let readDepth: (() => number) | undefined;
  new Gauge({
    name: "ksp_queue_depth",
    help: "Messages waiting in the in-process job queue (due or delayed).",
    registers: [registry],
    collect() {
      if (readDepth) this.set(readDepth());
    },
  });
  const allocations = new Counter({
    name: "ksp_allocations_total",
    help: "Machines in agent allocations, by outcome (granted: reserved; refused: asked for and refused).",
    labelNames: ["outcome"] as const,
    registers: [registry],
  });
  // Every outcome has a series from the start: a panel shows 0, not "no data", until the first one.
  for (const outcome of ["acked", "retried", "parked"] as const) queueMessages.inc({ outcome }, 0);
  for (const outcome of ["granted", "refused"] as const) allocations.inc({ outcome }, 0);

  return {
    registry,
    watchQueueDepth(read) {
      readDepth = read;
    },
    httpRequest(route, method, status, seconds) {
      const verb = METHODS.has(method) ? method : "other";
      requests.inc({ route, method: verb, status: String(status) });
      requestDuration.observe({ route, method: verb }, seconds);
    },
    jobRun(job, outcome, seconds) {
      jobRuns.inc({ job, outcome });
      if (seconds !== undefined) jobDuration.observe({ job }, seconds);
    },
    queueDecision: (outcome) => queueMessages.inc({ outcome }),
    allocation: (outcome, machines) => allocations.inc({ outcome }, machines),
    async expose() {
      return { contentType: registry.contentType, body: await registry.metrics() };
    },
  };
}
