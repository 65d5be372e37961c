/**
 * infra/prometheus/ against the agent itself: every metric an alert names is
 * one createAgentMetrics() exports (with the labels the alert selects on), so
 * renaming a metric or a label breaks this test instead of silently muting an
 * alert; the PodMonitor scrapes the Deployment's health port under the job
 * KspAgentDown looks for; every runbook link lands on a heading of README.md.
 */
import { readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { parseAllDocuments } from "yaml";
import { createAgentMetrics } from "../../../agent/metrics.ts";
import { selectors } from "../../support/promql.ts";

const ROOT = path.resolve(import.meta.dirname, "../../..");

// biome-ignore lint/suspicious/noExplicitAny: manifests are untyped YAML; the assertions check their shape
type Manifest = Record<string, any>;

const documents = (file: string): Manifest[] =>
  parseAllDocuments(readFileSync(path.join(ROOT, file), "utf8")).map((doc) => doc.toJS() as Manifest);

const rule = documents("infra/prometheus/ksp-agent-rules.yaml").find((d) => d.kind === "PrometheusRule")!;
const podMonitor = documents("infra/prometheus/ksp-agent-podmonitor.yaml").find(
  (d) => d.kind === "PodMonitor",
)!;
const deployment = documents("infra/agent/deployment.yaml").find((d) => d.kind === "Deployment")!;
const alerts: Manifest[] = rule.spec.groups.flatMap((group: Manifest) => group.rules);

/** Labels every scraped series carries from its target (Prometheus and the Operator's relabelling). */
const TARGET_LABELS = ["job", "instance", "namespace", "pod", "container", "endpoint"];
/** Series Prometheus itself makes for each scrape. */
const SCRAPE_SERIES: Record<string, string[]> = { up: [] };

/** Metric name → its label names, from the exposition of an agent whose every metric has a series. */
async function exportedMetrics(): Promise<Map<string, Set<string>>> {
  const metrics = createAgentMetrics();
  metrics.observeRpc("NodeGroups", "OK", 0.001);
  metrics.setPoolGauges({
    syncAgeSeconds: 1,
    pools: [{ name: "p", target: 1, ready: 1, creating: 0, deleting: 0, min: 0, max: 2 }],
    machines: [{ pool: "p", status: "fault", count: 1 }],
  });
  metrics.operation("p", "join", "succeeded");
  metrics.joinSeconds("p", 1);
  metrics.drainSeconds("p", 1);
  metrics.sshError("timeout");
  metrics.setLeader("ksp-agent-0", true);
  metrics.leaderTransition("acquired");
  metrics.setTransitionsQueued(0);
  metrics.healthCheckFailure("p", "ssh-probe");
  metrics.healthTransition("p", "fault");
  metrics.zombieNode("cordoned");
  const found = new Map<string, Set<string>>();
  for (const line of (await metrics.render()).split("\n")) {
    const series = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? /.exec(line);
    if (!series) continue;
    const labels = [...(series[2] ?? "").matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="/g)].map((m) => m[1]!);
    const known = found.get(series[1]!) ?? new Set<string>();
    for (const label of labels) known.add(label);
    found.set(series[1]!, known);
  }
  return found;
}

/** GitHub's anchor for a Markdown heading. */
const slug = (heading: string) =>
  heading
    .trim()
    .toLowerCase()
    .replace(/[^\p{L}\p{N}\s_-]/gu, "")
    .replace(/\s/g, "-");

describe("infra/prometheus", () => {
  it("is a PrometheusRule and a PodMonitor of the Prometheus Operator", () => {
    for (const doc of [rule, podMonitor]) expect(doc.apiVersion).toBe("monitoring.coreos.com/v1");
    expect(rule.metadata.name).toBe("ksp-agent");
    expect(podMonitor.metadata.name).toBe("ksp-agent");
  });

  it("scrapes /metrics on the agent pods' health port, under the job KspAgentDown looks for", () => {
    const pod = deployment.spec.template;
    expect(podMonitor.spec.selector.matchLabels).toEqual(deployment.spec.selector.matchLabels);
    const [endpoint] = podMonitor.spec.podMetricsEndpoints;
    const ports = pod.spec.containers[0].ports.map((p: Manifest) => p.name);
    expect(ports).toContain(endpoint.port);
    expect(endpoint.path).toBe(pod.metadata.annotations["prometheus.io/path"]);
    const job = pod.metadata.labels[podMonitor.spec.jobLabel];
    expect(job).toBe("ksp-agent");
    const down = alerts.find((a) => a.alert === "KspAgentDown")!;
    expect(down.expr).toContain(`job="${job}"`);
  });

  it("alerts on leadership, disconnection, queued transitions, faulted and stuck machines and health checks", () => {
    expect(alerts.map((a) => a.alert)).toEqual(
      expect.arrayContaining([
        "KspAgentDown",
        "KspAgentNoLeader",
        "KspAgentControlPlaneDisconnected",
        "KspAgentTransitionsQueued",
        "KspMachinesFaulted",
        "KspMachinesStuckInTransit",
        "KspHealthCheckFailing",
      ]),
    );
    expect(new Set(alerts.map((a) => a.alert)).size).toBe(alerts.length);
  });

  it("names only metrics the agent exports, and only labels those metrics carry", async () => {
    const exported = await exportedMetrics();
    for (const [name, labels] of Object.entries(SCRAPE_SERIES)) exported.set(name, new Set(labels));
    for (const alert of alerts) {
      const used = selectors(alert.expr);
      expect(used.length, `${alert.alert} selects no metric`).toBeGreaterThan(0);
      for (const { metric, labels } of used) {
        expect([...exported.keys()], `${alert.alert}: ${metric}`).toContain(metric);
        const known = [...exported.get(metric)!, ...TARGET_LABELS];
        for (const label of labels) expect(known, `${alert.alert}: ${metric}{${label}}`).toContain(label);
      }
    }
  });

  it("reads the selectors out of PromQL the way the check above needs", () => {
    expect(
      selectors(
        'max by (pool) (x_total{status=~"a|b"} offset 30m) > 0 and on (job) rate(y{le="1"}[5m]) unless absent(up{job="k"} == 1)',
      ),
    ).toEqual([
      { metric: "x_total", labels: ["status"] },
      { metric: "y", labels: ["le"] },
      { metric: "up", labels: ["job"] },
    ]);
  });

  it("gives every alert a severity, a summary, a description and a runbook link to a README heading", () => {
    const readme = readFileSync(path.join(ROOT, "README.md"), "utf8");
    const anchors = new Set([...readme.matchAll(/^#{1,6}\s+(.+)$/gm)].map((m) => slug(m[1]!)));
    for (const alert of alerts) {
      expect(["critical", "warning"], alert.alert).toContain(alert.labels?.severity);
      expect(alert.annotations.summary, alert.alert).toBeTruthy();
      expect(alert.annotations.description, alert.alert).toBeTruthy();
      const anchor = /README\.md#(.+)$/.exec(alert.annotations.runbook_url)?.[1];
      expect(anchor, `${alert.alert}: runbook_url`).toBe(alert.alert.toLowerCase());
      expect(anchors, `${alert.alert}: no README heading for #${anchor}`).toContain(anchor);
    }
  });

  it("has the README name only agent metrics that exist", async () => {
    const exported = await exportedMetrics();
    const readme = readFileSync(path.join(ROOT, "README.md"), "utf8");
    const named = new Set([...readme.matchAll(/\bksp_agent_[a-z_]+/g)].map((m) => m[0]));
    const base = (name: string) => name.replace(/_(bucket|sum|count)$/, "");
    const known = new Set([...exported.keys()].map(base));
    expect([...named].filter((name) => !known.has(base(name)))).toEqual([]);
  });
});
