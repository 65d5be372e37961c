/**
 * test/support/helm-render stands in for `helm template`, so it is tested on its own: a fixture
 * chart whose output under Helm's rules is known exactly (whitespace trimming, include + nindent,
 * tpl, range/with scoping, missing keys, toYaml, partials and NOTES.txt not printed, overrides
 * merged with null deleting, `required` failing with its message).
 */
import path from "node:path";
import { describe, expect, it } from "vitest";
import { helmRenderBinary, renderChart, renderChartRaw } from "../../support/helm-render.ts";

// Built while the file loads, outside any test's timeout (a cold Go build takes a while).
helmRenderBinary();

const FIXTURE = path.join(import.meta.dirname, "../../support/helm-render/fixture-chart");

const EXPECTED_DEFAULT = `---
# Source: fixture/templates/configmap.yaml
apiVersion: v1
kind: ConfigMap
metadata:
  name: demo-config
  namespace: ns1
  labels:
    app: fixture
    release: demo
data:
  greeting: "HELLO"
  replicas: "3"
  chart: "fixture-1.2.3-4.5.6"
  missing: ""
  templated: "demo-suffix"
  port-http: "0:80:demo"
  port-https: "1:443:demo"
  nested: kept/hello
---
# Source: fixture/templates/configmap.yaml
apiVersion: v1
kind: ConfigMap
metadata:
  name: demo-yaml
data:
  labels: |
    team: blue
    tier: web
  nested: "{\\"drop\\":\\"dropped\\",\\"keep\\":\\"kept\\"}"
`;

describe("helm-render (stand-in for helm template)", () => {
  it("renders the fixture chart exactly as Helm would, without partials, empty files or NOTES.txt", () => {
    const result = renderChartRaw(FIXTURE, { name: "demo", namespace: "ns1" });
    expect(result.stderr).toBe("");
    expect(result.status).toBe(0);
    expect(result.stdout).toBe(EXPECTED_DEFAULT);
  });

  it("merges overrides over values.yaml (null deletes a key) and answers Capabilities.APIVersions.Has", () => {
    const docs = renderChart(FIXTURE, {
      name: "demo",
      values: { needed: "s1", greeting: "hey", nested: { drop: null } },
      apiVersions: ["example.com/v1"],
    });
    const config = docs.find((d) => d.metadata.name === "demo-config")!;
    expect(config.metadata.namespace).toBe("default");
    expect(config.data).toMatchObject({ greeting: "HEY", nested: "kept/hey", crd: "present", replicas: "3" });
    expect(docs.find((d) => d.metadata.name === "demo-yaml")!.data.nested).toBe('{"keep":"kept"}');
    const secret = docs.find((d) => d.kind === "Secret")!;
    expect(secret).toMatchObject({ metadata: { name: "s1" }, source: "fixture/templates/required.yaml" });
  });

  it("fails with the message of a `required` whose value is missing, naming the template and position", () => {
    const result = renderChartRaw(FIXTURE, { values: { mustFail: true } });
    expect(result.status).toBe(1);
    expect(result.stdout).toBe("");
    expect(result.stderr.trim()).toBe(
      "Error: execution error at (fixture/templates/required.yaml:8:4): mustFail asks for .Values.absent",
    );
  });

  it("rejects a chart directory without a Chart.yaml", () => {
    const result = renderChartRaw(path.join(FIXTURE, "templates"));
    expect(result.status).toBe(1);
    expect(result.stderr).toMatch(/^Error: Chart\.yaml: /);
  });
});
