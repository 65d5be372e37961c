/**
 * Operational policy: the knobs that shape API and job behaviour (rate
 * limits, token and reservation lifetimes, heartbeat thresholds, retention,
 * the hour strategies are evaluated).
 * Parsed from the environment by env.ts on both runtimes and handed to
 * handlers (AppConfig.policy) and jobs (JobContext.policy).
 */
import { z } from "zod";

export interface PolicySettings {
  /** requests per minute per API token / agent credential / client address */
  rateLimitPerMinute: number;
  /** failed bearer authentications per minute per client address before 429 */
  authFailuresPerMinute: number;
  /** agent registration attempts per minute per client address */
  registrationsPerMinutePerAddress: number;
  /** agent registration attempts per minute naming one cluster, from any address */
  registrationsPerMinutePerCluster: number;
  /** lifetime of a cluster registration token */
  registrationTokenTtlMs: number;
  /** a reservation the agent never started joining returns to available after this */
  reservationTtlMs: number;
  /** no heartbeat for this long: cluster degraded */
  heartbeatDegradedMs: number;
  /** no heartbeat for this long: cluster offline */
  heartbeatOfflineMs: number;
  /** events, operations and audit rows older than this are purged */
  retentionMs: number;
  /**
   * the UTC hour (0–23) from which the day's strategy evaluation fans out; the
   * first scheduler tick at or after it does, later ticks that day do nothing
   */
  strategyEvaluationHourUtc: number;
  /** a cluster's API server is checked again (probe-clusters) once its last check is this old */
  clusterProbeIntervalMs: number;
  /** one check (version and every Node page) must finish within this */
  clusterProbeTimeoutMs: number;
  /**
   * checks in flight at once per queue delivery batch: on Node the process's bound (the in-process
   * queue delivers one batch at a time); on Workers per consumer invocation, times wrangler.toml's
   * max_concurrency
   */
  clusterProbeConcurrency: number;
}

export const DEFAULT_POLICY: PolicySettings = {
  rateLimitPerMinute: 1200,
  authFailuresPerMinute: 20,
  registrationsPerMinutePerAddress: 10,
  registrationsPerMinutePerCluster: 30,
  registrationTokenTtlMs: 60 * 60_000,
  reservationTtlMs: 15 * 60_000,
  heartbeatDegradedMs: 60_000,
  heartbeatOfflineMs: 5 * 60_000,
  retentionMs: 90 * 86_400_000,
  // after midnight's roll-up has turned yesterday's raw snapshots into its daily rows
  strategyEvaluationHourUtc: 2,
  clusterProbeIntervalMs: 60_000,
  clusterProbeTimeoutMs: 10_000,
  // a Worker invocation has six connections waiting for response headers at once
  clusterProbeConcurrency: 6,
};

const seconds = (min: number, max: number) =>
  z.preprocess(
    (v) => (v === "" ? undefined : v),
    z
      .string()
      .regex(/^\d+$/, { message: `must be a whole number between ${min} and ${max}` })
      .transform(Number)
      .refine((n) => n >= min && n <= max, { message: `must be a whole number between ${min} and ${max}` })
      .optional(),
  );

export const policyEnvShape = {
  KSP_RATE_LIMIT_PER_MINUTE: seconds(1, 1_000_000),
  KSP_AUTH_FAILURES_PER_MINUTE: seconds(1, 1_000_000),
  KSP_REGISTRATIONS_PER_MINUTE: seconds(1, 1_000_000),
  KSP_CLUSTER_REGISTRATIONS_PER_MINUTE: seconds(1, 1_000_000),
  KSP_REGISTRATION_TOKEN_TTL_SECONDS: seconds(60, 30 * 86_400),
  KSP_RESERVATION_TTL_SECONDS: seconds(30, 86_400),
  KSP_HEARTBEAT_DEGRADED_SECONDS: seconds(5, 86_400),
  KSP_HEARTBEAT_OFFLINE_SECONDS: seconds(10, 30 * 86_400),
  KSP_RETENTION_DAYS: seconds(1, 3650),
  KSP_STRATEGY_EVALUATION_HOUR: seconds(0, 23),
  KSP_CLUSTER_PROBE_INTERVAL_SECONDS: seconds(10, 86_400),
  KSP_CLUSTER_PROBE_TIMEOUT_SECONDS: seconds(1, 60),
  KSP_CLUSTER_PROBE_CONCURRENCY: seconds(1, 100),
};

type PolicyEnv = { [K in keyof typeof policyEnvShape]?: number | undefined };

export function policyFrom(env: PolicyEnv): PolicySettings {
  const d = DEFAULT_POLICY;
  const ms = (v: number | undefined, unitMs: number, fallback: number) =>
    v === undefined ? fallback : v * unitMs;
  return {
    rateLimitPerMinute: env.KSP_RATE_LIMIT_PER_MINUTE ?? d.rateLimitPerMinute,
    authFailuresPerMinute: env.KSP_AUTH_FAILURES_PER_MINUTE ?? d.authFailuresPerMinute,
    registrationsPerMinutePerAddress: env.KSP_REGISTRATIONS_PER_MINUTE ?? d.registrationsPerMinutePerAddress,
    registrationsPerMinutePerCluster:
      env.KSP_CLUSTER_REGISTRATIONS_PER_MINUTE ?? d.registrationsPerMinutePerCluster,
    registrationTokenTtlMs: ms(env.KSP_REGISTRATION_TOKEN_TTL_SECONDS, 1000, d.registrationTokenTtlMs),
    reservationTtlMs: ms(env.KSP_RESERVATION_TTL_SECONDS, 1000, d.reservationTtlMs),
    heartbeatDegradedMs: ms(env.KSP_HEARTBEAT_DEGRADED_SECONDS, 1000, d.heartbeatDegradedMs),
    heartbeatOfflineMs: ms(env.KSP_HEARTBEAT_OFFLINE_SECONDS, 1000, d.heartbeatOfflineMs),
    retentionMs: ms(env.KSP_RETENTION_DAYS, 86_400_000, d.retentionMs),
    strategyEvaluationHourUtc: env.KSP_STRATEGY_EVALUATION_HOUR ?? d.strategyEvaluationHourUtc,
    clusterProbeIntervalMs: ms(env.KSP_CLUSTER_PROBE_INTERVAL_SECONDS, 1000, d.clusterProbeIntervalMs),
    clusterProbeTimeoutMs: ms(env.KSP_CLUSTER_PROBE_TIMEOUT_SECONDS, 1000, d.clusterProbeTimeoutMs),
    clusterProbeConcurrency: env.KSP_CLUSTER_PROBE_CONCURRENCY ?? d.clusterProbeConcurrency,
  };
}

/** Cross-field rule, reported like a variable problem. */
export function policyProblems(policy: PolicySettings): string[] {
  const problems: string[] = [];
  if (policy.heartbeatOfflineMs <= policy.heartbeatDegradedMs) {
    problems.push("KSP_HEARTBEAT_OFFLINE_SECONDS: must be greater than KSP_HEARTBEAT_DEGRADED_SECONDS");
  }
  // a check that may outlast the interval would overlap the next one for the same cluster
  if (policy.clusterProbeTimeoutMs >= policy.clusterProbeIntervalMs) {
    problems.push("KSP_CLUSTER_PROBE_TIMEOUT_SECONDS: must be less than KSP_CLUSTER_PROBE_INTERVAL_SECONDS");
  }
  return problems;
}
