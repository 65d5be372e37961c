/**
 * The control plane's Prometheus metrics through the app: requests are
 * labelled by route pattern (one series however many ids are asked for),
 * unmatched paths share one label, the recording methods land on the
 * documented names and labels, and GET /metrics guards and answers as
 * documented (token; 404 with the no-op metrics of a Worker).
 */
import { describe, expect, it } from "vitest";
import { createApp } from "../../../../functions/app.ts";
import { noopMetrics } from "../../../../functions/lib/metrics/noop.ts";
import { createPrometheusMetrics } from "../../../../functions/lib/metrics/prometheus.ts";
import type { ControlPlaneMetrics } from "../../../../functions/lib/metrics/types.ts";
import { METRICS_UNAVAILABLE } from "../../../../functions/routes/metrics.ts";
import { testDeps } from "../../../support/app-test-deps.ts";

const TOKEN = "scrape-token-0123456789";

function appWith<M extends ControlPlaneMetrics>(metrics: M, metricsToken?: string) {
  const deps = testDeps();
  return { metrics, app: createApp({ ...deps, metrics, config: { ...deps.config, metricsToken } }) };
}

/** `name{labels} value` lines of an exposition, by name and label text. */
function samples(text: string): Map<string, number> {
  const out = new Map<string, number>();
  for (const line of text.split("\n")) {
    // label values may hold braces (route="/v1/machines/{machineId}"): the value is after the last space
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*(?:\{.*\})?) (\S+)$/.exec(line);
    if (m) out.set(m[1]!, Number(m[2]));
  }
  return out;
}

describe("control plane Prometheus metrics", () => {
  it("labels requests by route pattern, so ids make no new series, and unmatched paths share one", async () => {
    const { app, metrics } = appWith(createPrometheusMetrics());
    for (const id of ["m-1", "m-2", "m-3"]) await app.request(`/v1/machines/${id}`);
    await app.request("/no/such/path/1");
    await app.request("/no/such/path/2");
    await app.request("/healthz", { method: "BREW" });
    const text = (await metrics.expose())!.body;
    const got = samples(text);
    expect(
      got.get('ksp_http_requests_total{route="/v1/machines/{machineId}",method="GET",status="401"}'),
    ).toBe(3);
    expect(got.get('ksp_http_requests_total{route="unmatched",method="GET",status="404"}')).toBe(2);
    // an invented verb is "other", not a series of its own
    expect([...got.keys()].some((k) => k.includes('method="BREW"'))).toBe(false);
    const routes = new Set([...text.matchAll(/ksp_http_requests_total\{route="([^"]*)"/g)].map((m) => m[1]));
    // the 405 for BREW matched no handler either
    expect([...routes].sort()).toEqual(["/v1/machines/{machineId}", "unmatched"]);
    expect(
      got.get('ksp_http_request_duration_seconds_count{route="/v1/machines/{machineId}",method="GET"}'),
    ).toBe(3);
  });

  it("records job runs, queue decisions, queue depth and allocations under their names and labels", async () => {
    const metrics = createPrometheusMetrics();
    metrics.jobRun("heartbeat", "ok", 0.2);
    metrics.jobRun("heartbeat", "busy");
    metrics.jobRun("track-orders", "failed", 1);
    metrics.queueDecision("acked");
    metrics.queueDecision("parked");
    metrics.allocation("granted", 3);
    metrics.allocation("refused", 2);
    metrics.watchQueueDepth(() => 7);
    const got = samples((await metrics.expose())!.body);
    expect(got.get('ksp_job_runs_total{job="heartbeat",outcome="ok"}')).toBe(1);
    expect(got.get('ksp_job_runs_total{job="heartbeat",outcome="busy"}')).toBe(1);
    expect(got.get('ksp_job_runs_total{job="track-orders",outcome="failed"}')).toBe(1);
    // a busy run did no work: it is not timed
    expect(got.get('ksp_job_duration_seconds_count{job="heartbeat"}')).toBe(1);
    expect(got.get('ksp_queue_messages_total{outcome="acked"}')).toBe(1);
    expect(got.get('ksp_queue_messages_total{outcome="retried"}')).toBe(0);
    expect(got.get('ksp_queue_messages_total{outcome="parked"}')).toBe(1);
    expect(got.get("ksp_queue_depth")).toBe(7);
    expect(got.get('ksp_allocations_total{outcome="granted"}')).toBe(3);
    expect(got.get('ksp_allocations_total{outcome="refused"}')).toBe(2);
    expect(got.has("process_resident_memory_bytes") || got.has("nodejs_heap_size_used_bytes")).toBe(true);
  });

  it("keeps each app's counters on its own registry", async () => {
    const a = createPrometheusMetrics();
    const b = createPrometheusMetrics();
    a.queueDecision("acked");
    expect(samples((await b.expose())!.body).get('ksp_queue_messages_total{outcome="acked"}')).toBe(0);
  });

  it("serves GET /metrics as Prometheus text, behind KSP_METRICS_TOKEN when it is set", async () => {
    const open = appWith(createPrometheusMetrics()).app;
    const res = await open.request("/metrics");
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toContain("text/plain");
    expect(await res.text()).toContain("# TYPE ksp_http_requests_total counter");

    const guarded = appWith(createPrometheusMetrics(), TOKEN).app;
    const refused = await guarded.request("/metrics");
    expect(refused.status).toBe(401);
    expect(((await refused.json()) as { error: { code: string } }).error.code).toBe("unauthorized");
    expect((await guarded.request("/metrics", { headers: { Authorization: "Bearer wrong" } })).status).toBe(
      401,
    );
    const ok = await guarded.request("/metrics", { headers: { Authorization: `Bearer ${TOKEN}` } });
    expect(ok.status).toBe(200);
  });

  it("answers 404 with the error envelope where nothing is exported (the Worker's no-op)", async () => {
    const res = await appWith(noopMetrics).app.request("/metrics");
    expect(res.status).toBe(404);
    const body = (await res.json()) as { error: { code: string; message: string } };
    expect(body.error).toMatchObject({ code: "not_found", message: METRICS_UNAVAILABLE });
  });
});
