/**
 * infra/grafana/ksp-dashboard.json against the code: every panel query names
 * only metrics the agent (createAgentMetrics) or the Node control plane
 * (createPrometheusMetrics) registers, read from their real registries, so a
 * renamed metric breaks this test instead of leaving an empty panel.
 */
import { readFileSync } from "node:fs";
import path from "node:path";
import type { Registry } from "prom-client";
import { describe, expect, it } from "vitest";
import { createAgentMetrics } from "../../../agent/metrics.ts";
import { createPrometheusMetrics } from "../../../functions/lib/metrics/prometheus.ts";
import { selectors } from "../../support/promql.ts";

const ROOT = path.resolve(import.meta.dirname, "../../..");

interface Panel {
  type: string;
  title: string;
  targets?: { expr: string }[];
  panels?: Panel[];
}

const dashboard = JSON.parse(readFileSync(path.join(ROOT, "infra/grafana/ksp-dashboard.json"), "utf8")) as {
  uid: string;
  panels: Panel[];
};
const panels = dashboard.panels.flatMap((p) => [p, ...(p.panels ?? [])]).filter((p) => p.type !== "row");

/** The series names a registry exposes: a histogram is only ever queried through its three. */
async function seriesNames(registry: Registry): Promise<string[]> {
  return (await registry.getMetricsAsJSON()).flatMap((m) =>
    // typed as a numeric enum, but the runtime value is the type's name
    String(m.type) === "histogram" ? [`${m.name}_bucket`, `${m.name}_sum`, `${m.name}_count`] : [m.name],
  );
}

/** The agent keeps its Registry private: the TYPE lines of its exposition name its metrics. */
async function agentNames(): Promise<string[]> {
  const text = await createAgentMetrics().render();
  const names = new Set<string>();
  for (const m of text.matchAll(/^# TYPE (\S+) (\S+)$/gm)) {
    const [, name, type] = m;
    if (type === "histogram")
      for (const suffix of ["_bucket", "_sum", "_count"]) names.add(`${name}${suffix}`);
    else names.add(name!);
  }
  return [...names];
}

describe("infra/grafana/ksp-dashboard.json", () => {
  it("has panels for the control plane and the agent, each with a query", () => {
    expect(dashboard.uid).toBe("ksp-overview");
    expect(panels.length).toBeGreaterThan(10);
    for (const panel of panels) expect(panel.targets?.length, panel.title).toBeGreaterThan(0);
  });

  it("queries only metrics the agent or the control plane exports", async () => {
    const exported = new Set([
      ...(await agentNames()),
      ...(await seriesNames(createPrometheusMetrics().registry)),
    ]);
    const used = new Set<string>();
    for (const panel of panels) {
      for (const { expr } of panel.targets!) {
        const metrics = selectors(expr).map((s) => s.metric);
        expect(metrics.length, `${panel.title}: ${expr}`).toBeGreaterThan(0);
        for (const metric of metrics) {
          expect(exported.has(metric), `${panel.title}: ${metric} is exported by neither`).toBe(true);
          used.add(metric);
        }
      }
    }
    // both halves are on the dashboard, not just one
    expect([...used].some((m) => m.startsWith("ksp_agent_"))).toBe(true);
    expect([...used].some((m) => m.startsWith("ksp_http_"))).toBe(true);
  });
});
