/**
 * GET /metrics on the real Node entry (test/support/node-server.ts): requests
 * and the scheduler's job runs move the counters, the exposition parses line
 * by line in the Prometheus text format, and KSP_METRICS_TOKEN guards it.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { killNodeServers, spawnNodeServer } from "../../support/node-server.ts";

const METRICS_TOKEN = "scrape-token-0123456789";
const ADMIN_TOKEN = `ksp_adm_${"a".repeat(40)}`;
const dataDir = mkdtempSync(join(tmpdir(), "ksp-node-metrics-"));

afterAll(async () => {
  await killNodeServers();
  rmSync(dataDir, { recursive: true, force: true });
});

/** Every line is a comment (HELP/TYPE) or `name{labels} value`; returns the samples by series. */
function parseExposition(text: string): Map<string, number> {
  const samples = new Map<string, number>();
  for (const line of text.split("\n")) {
    if (line === "" || /^# (HELP|TYPE) [a-zA-Z_:][a-zA-Z0-9_:]* /.test(line)) continue;
    const m =
      /^([a-zA-Z_:][a-zA-Z0-9_:]*(?:\{(?:[a-zA-Z_][a-zA-Z0-9_]*="(?:[^"\\]|\\.)*",?)*\})?) (\S+)$/.exec(line);
    expect(m, `not an exposition line: ${line}`).not.toBeNull();
    const value = Number(m![2]);
    expect(Number.isNaN(value) && m![2] !== "NaN", line).toBe(false);
    samples.set(m![1]!, value);
  }
  return samples;
}

async function until<T>(what: string, probe: () => Promise<T | undefined>, ms = 60_000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const got = await probe().catch(() => undefined);
    if (got !== undefined) return got;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

describe("node entry /metrics", () => {
  it("counts requests by route and job runs, guarded by KSP_METRICS_TOKEN", {
    timeout: 120_000,
  }, async () => {
    const server = await spawnNodeServer({
      KSP_DATA_DIR: dataDir,
      KSP_ADMIN_TOKEN: ADMIN_TOKEN,
      KSP_METRICS_TOKEN: METRICS_TOKEN,
      KSP_SCHEDULER_INTERVAL_SECONDS: "1",
    });
    await until(
      "/healthz",
      async () => ((await fetch(`${server.url}/healthz`)).ok ? true : undefined),
      90_000,
    );
    const auth = { Authorization: `Bearer ${ADMIN_TOKEN}` };
    for (const id of ["one", "two"]) await fetch(`${server.url}/v1/machines/${id}`, { headers: auth });

    const refused = await fetch(`${server.url}/metrics`);
    expect(refused.status).toBe(401);
    expect(((await refused.json()) as { error: { code: string } }).error.code).toBe("unauthorized");

    const scrape = async () => {
      const res = await fetch(`${server.url}/metrics`, {
        headers: { Authorization: `Bearer ${METRICS_TOKEN}` },
      });
      expect(res.status).toBe(200);
      expect(res.headers.get("content-type")).toContain("text/plain");
      return parseExposition(await res.text());
    };
    // the scheduler ticks every second; its first tick runs every registered job
    const samples = await until("a job run", async () => {
      const got = await scrape();
      return [...got.keys()].some((k) => k.startsWith('ksp_job_runs_total{job="heartbeat",outcome="ok"'))
        ? got
        : undefined;
    });
    const machineRequests = [...samples].filter(([k]) =>
      k.startsWith('ksp_http_requests_total{route="/v1/machines/{machineId}",method="GET"'),
    );
    expect(machineRequests.reduce((sum, [, v]) => sum + v, 0)).toBe(2);
    expect(
      samples.get('ksp_http_requests_total{route="/healthz",method="GET",status="200"}'),
    ).toBeGreaterThan(0);
    expect(samples.get("ksp_queue_depth")).toBeGreaterThanOrEqual(0);
    expect(samples.has("process_cpu_user_seconds_total")).toBe(true);
  });
});
