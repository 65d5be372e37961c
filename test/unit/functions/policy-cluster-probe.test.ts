/** The health worker's policy knobs: defaults, bounds, the cross-check, on both runtimes' parsers. */
import { describe, expect, it } from "vitest";
import { parseNodeEnv, parseWorkerEnv } from "../../../functions/env.ts";
import { DEFAULT_POLICY } from "../../../functions/policy.ts";

const workerBase = {
  DATABASE_URL: "postgres://u:p@db.example:5432/ksp",
  UPSTASH_REDIS_REST_URL: "https://redis.example",
  UPSTASH_REDIS_REST_TOKEN: "tok",
  JOBS_QUEUE: { send: async () => {}, sendBatch: async () => {} },
};
const PARSERS = [
  ["Node", (vars: Record<string, string>) => parseNodeEnv(vars)],
  ["Worker", (vars: Record<string, string>) => parseWorkerEnv({ ...workerBase, ...vars })],
] as const;

describe.each(PARSERS)("cluster probe settings (%s)", (_runtime, parse) => {
  it("defaults to a check a minute, 10 s each, six at a time", () => {
    const r = parse({});
    expect(r.ok && r.settings.policy).toMatchObject({
      clusterProbeIntervalMs: 60_000,
      clusterProbeTimeoutMs: 10_000,
      clusterProbeConcurrency: 6,
    });
    expect(DEFAULT_POLICY.clusterProbeConcurrency).toBe(6);
  });

  it("reads the three variables", () => {
    const r = parse({
      KSP_CLUSTER_PROBE_INTERVAL_SECONDS: "300",
      KSP_CLUSTER_PROBE_TIMEOUT_SECONDS: "20",
      KSP_CLUSTER_PROBE_CONCURRENCY: "3",
    });
    expect(r.ok && r.settings.policy).toMatchObject({
      clusterProbeIntervalMs: 300_000,
      clusterProbeTimeoutMs: 20_000,
      clusterProbeConcurrency: 3,
    });
  });

  it.each([
    ["KSP_CLUSTER_PROBE_INTERVAL_SECONDS", "5"],
    ["KSP_CLUSTER_PROBE_TIMEOUT_SECONDS", "0"],
    ["KSP_CLUSTER_PROBE_TIMEOUT_SECONDS", "61"],
    ["KSP_CLUSTER_PROBE_CONCURRENCY", "0"],
    ["KSP_CLUSTER_PROBE_CONCURRENCY", "many"],
  ])("refuses %s=%s, naming the variable", (name, value) => {
    const r = parse({ [name]: value });
    expect(r.ok).toBe(false);
    expect(!r.ok && r.problems.join("\n")).toMatch(new RegExp(`^${name}: `, "m"));
  });

  it("refuses a timeout that is not shorter than the interval", () => {
    const r = parse({ KSP_CLUSTER_PROBE_INTERVAL_SECONDS: "30", KSP_CLUSTER_PROBE_TIMEOUT_SECONDS: "30" });
    expect(r.ok).toBe(false);
    expect(!r.ok && r.problems).toEqual([
      "KSP_CLUSTER_PROBE_TIMEOUT_SECONDS: must be less than KSP_CLUSTER_PROBE_INTERVAL_SECONDS",
    ]);
  });
});
