/**
 * infra/helm/ksp-agent against the plain manifests and the agent: rendered (by the helm-render
 * stand-in, see test/support/helm-render.ts) with its defaults it must produce the objects of
 * infra/agent/, infra/cert-manager/ and the cloud-config of infra/cluster-autoscaler/, with the
 * same names, ports, env, RBAC rules and certificates; its variants must stay consistent
 * (selectors, Secret names, the address CA dials); values must satisfy values.schema.json; and
 * infra/helm/cluster-autoscaler-values.yaml must mount what the chart creates.
 */
import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { Ajv } from "ajv";
import { describe, expect, it } from "vitest";
import { parse, parseAllDocuments } from "yaml";
import { AGENT_FIELDS } from "../../../agent/config/fields.ts";
import { parseDurationMs } from "../../../agent/config/values.ts";
import { AGENT_NODE_FLAGS } from "../../../agent/node-flags.ts";
import {
  helmRenderBinary,
  type RenderedDocument,
  renderChart,
  renderChartRaw,
} from "../../support/helm-render.ts";

// Built while the file loads, outside any test's timeout (a cold Go build takes a while).
helmRenderBinary();

const INFRA = path.resolve(import.meta.dirname, "../../../infra");
const CHART = path.join(INFRA, "helm/ksp-agent");
const NAMESPACE = "kube-system";

// biome-ignore lint/suspicious/noExplicitAny: manifests are free-form YAML; the assertions check their shape
type Manifest = Record<string, any>;

const parseFile = (file: string): Manifest[] =>
  parseAllDocuments(readFileSync(file, "utf8"))
    .map((doc) => doc.toJS() as Manifest | null)
    .filter((doc): doc is Manifest => doc !== null);

const plain: Manifest[] = [
  ...["agent", "cert-manager"].flatMap((dir) =>
    readdirSync(path.join(INFRA, dir)).flatMap((file) => parseFile(path.join(INFRA, dir, file))),
  ),
  ...parseFile(path.join(INFRA, "cluster-autoscaler/cloud-config.yaml")),
];
const plainPodMonitor = parseFile(path.join(INFRA, "prometheus/ksp-agent-podmonitor.yaml"))[0]!;
const plainCaDeployment = parseFile(path.join(INFRA, "cluster-autoscaler/deployment.yaml"))[0]!;

function findIn<T extends Manifest>(docs: T[], kind: string, name: string): T {
  const found = docs.find((d) => d.kind === kind && d.metadata?.name === name);
  if (!found) throw new Error(`no ${kind} ${name} among ${docs.map((d) => `${d.kind}/${d.metadata?.name}`)}`);
  return found;
}

const plainEnv = findIn(plain, "Deployment", "ksp-agent").spec.template.spec.containers[0].env as Manifest[];
const plainValue = (name: string) => plainEnv.find((e) => e.name === name)?.value as string;
/** The two values without a default, set to what the plain manifest's example says. */
const REQUIRED = { controlPlaneUrl: plainValue("KSP_CONTROL_PLANE_URL"), cluster: plainValue("KSP_CLUSTER") };

const schema = JSON.parse(readFileSync(path.join(CHART, "values.schema.json"), "utf8"));
const validate = new Ajv({ allErrors: true, strict: true, allowUnionTypes: true }).compile(schema);
const defaults = parse(readFileSync(path.join(CHART, "values.yaml"), "utf8")) as Manifest;

function isObject(value: unknown): value is Manifest {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** Helm's coalescing of --set/-f values over values.yaml: maps merge, null deletes. */
function merged(base: Manifest, over: Manifest): Manifest {
  const out: Manifest = { ...base };
  for (const [key, value] of Object.entries(over)) {
    if (value === null) delete out[key];
    else out[key] = isObject(value) && isObject(out[key]) ? merged(out[key], value) : value;
  }
  return out;
}

function schemaErrors(values: Manifest): string[] {
  return validate(values) ? [] : (validate.errors ?? []).map((e) => `${e.instancePath} ${e.message}`);
}

/** Renders as `helm install <name> -n kube-system` would, after checking the values against the schema as Helm does. */
function render(values: Manifest = {}, name = "ksp-agent", apiVersions: string[] = []): RenderedDocument[] {
  const all = merged(REQUIRED, values);
  expect(schemaErrors(merged(defaults, all))).toEqual([]);
  return renderChart(CHART, { name, namespace: NAMESPACE, values: all, apiVersions });
}

const agentContainer = (docs: Manifest[], name = "ksp-agent") =>
  findIn(docs, "Deployment", name).spec.template.spec.containers[0];
const envOf = (docs: Manifest[], name = "ksp-agent") =>
  new Map<string, Manifest>(agentContainer(docs, name).env.map((e: Manifest) => [e.name, e]));

/** A chart object minus what Helm adds (labels, annotations, namespace) for comparison with a plain one. */
function comparable(doc: Manifest): Manifest {
  const { source: _source, ...rest } = doc;
  return { ...rest, metadata: { name: doc.metadata.name } };
}

describe("infra/helm/ksp-agent values", () => {
  it("values.yaml satisfies values.schema.json, and the schema refuses wrong types, enums and unknown keys", () => {
    expect(schemaErrors(defaults)).toEqual([]);
    expect(schemaErrors(merged(defaults, REQUIRED))).toEqual([]);
    expect(schemaErrors(merged(defaults, { logLevel: "loud" }))).not.toEqual([]);
    expect(schemaErrors(merged(defaults, { replicaCount: "2" }))).not.toEqual([]);
    expect(schemaErrors(merged(defaults, { controlPlaneUrl: "ftp://x" }))).not.toEqual([]);
    expect(schemaErrors(merged(defaults, { shutdownGracePeriod: "20 seconds" }))).not.toEqual([]);
    expect(schemaErrors(merged(defaults, { tls: { enable: true } }))).not.toEqual([]);
  });

  it("defaults every agent setting the chart sets to the agent's own defaults where the agent has one", () => {
    const env = envOf(render());
    for (const field of AGENT_FIELDS) {
      const value = env.get(field.env)?.value;
      if (field.default === undefined || value === undefined) continue;
      if (["KSP_LEASE_NAME"].includes(field.env)) continue; // the release's name, ksp-agent by default
      expect(value, field.env).toBe(field.default);
    }
  });
});

describe("infra/helm/ksp-agent rendered with its defaults", () => {
  const docs = render();

  it("renders the plain manifests' objects, by kind, name and namespace (the cloud-config as a Secret)", () => {
    const key = (d: Manifest) =>
      `${d.kind === "ConfigMap" && d.metadata.name === "cluster-autoscaler-cloud-config" ? "Secret" : d.kind}/${d.metadata.namespace ?? NAMESPACE}/${d.metadata.name}`;
    expect(docs.map(key).sort()).toEqual(plain.map(key).sort());
  });

  it("labels every object as the chart's, and selects the pods by labels they carry", () => {
    for (const doc of docs) {
      expect(doc.metadata.labels, `${doc.kind}/${doc.metadata.name}`).toMatchObject({
        "app.kubernetes.io/name": "ksp-agent",
        "app.kubernetes.io/instance": "ksp-agent",
        "app.kubernetes.io/part-of": "kube-static-pool",
        "app.kubernetes.io/managed-by": "Helm",
      });
    }
    const deployment = findIn(docs, "Deployment", "ksp-agent");
    const podLabels = deployment.spec.template.metadata.labels;
    const plainDeployment = findIn(plain, "Deployment", "ksp-agent");
    expect(podLabels).toMatchObject(plainDeployment.spec.template.metadata.labels);
    expect(podLabels).toMatchObject(deployment.spec.selector.matchLabels);
    expect(deployment.spec.selector.matchLabels).toMatchObject(plainDeployment.spec.selector.matchLabels);
    expect(podLabels).toMatchObject(findIn(docs, "Service", "ksp-agent").spec.selector);
    const antiAffinity = deployment.spec.template.spec.affinity.podAntiAffinity;
    expect(podLabels).toMatchObject(
      antiAffinity.preferredDuringSchedulingIgnoredDuringExecution[0].podAffinityTerm.labelSelector
        .matchLabels,
    );
  });

  it("runs the same agent container as infra/agent/deployment.yaml: image, env, ports, probes, mounts, limits", () => {
    const plainDeployment = findIn(plain, "Deployment", "ksp-agent");
    expect(agentContainer(docs)).toEqual(plainDeployment.spec.template.spec.containers[0]);
    const { affinity: _a, ...pod } = findIn(docs, "Deployment", "ksp-agent").spec.template.spec;
    const { affinity: _b, ...plainPod } = plainDeployment.spec.template.spec;
    expect({ ...pod, containers: [] }).toEqual({ ...plainPod, containers: [] });
    const spec = findIn(docs, "Deployment", "ksp-agent").spec;
    expect(spec.replicas).toBe(plainDeployment.spec.replicas);
    expect(spec.strategy).toEqual(plainDeployment.spec.strategy);
    expect(spec.template.metadata.annotations).toEqual(plainDeployment.spec.template.metadata.annotations);
  });

  it("sets only variables the agent reads, with NODE_OPTIONS as agent/node-flags.ts says", () => {
    const env = envOf(docs);
    const known = new Set([...AGENT_FIELDS.map((f) => f.env), "NODE_OPTIONS"]);
    for (const name of env.keys()) expect(known, `unknown agent variable ${name}`).toContain(name);
    expect(env.get("NODE_OPTIONS")?.value).toBe(AGENT_NODE_FLAGS.join(" "));
    const grace = parseDurationMs(env.get("KSP_SHUTDOWN_GRACE_PERIOD")?.value)!;
    const termination = findIn(docs, "Deployment", "ksp-agent").spec.template.spec
      .terminationGracePeriodSeconds;
    expect(termination * 1000 - grace).toBeGreaterThanOrEqual(5_000);
  });

  it("grants exactly the plain manifests' RBAC rules, bound to the agent's ServiceAccount", () => {
    for (const kind of ["ClusterRole", "Role"]) {
      for (const role of plain.filter((d) => d.kind === kind)) {
        expect(findIn(docs, kind, role.metadata.name).rules, `${kind}/${role.metadata.name}`).toEqual(
          role.rules,
        );
      }
    }
    for (const kind of ["ClusterRoleBinding", "RoleBinding"]) {
      for (const binding of plain.filter((d) => d.kind === kind)) {
        const rendered = findIn(docs, kind, binding.metadata.name);
        expect(rendered.roleRef).toEqual(binding.roleRef);
        expect(rendered.subjects).toEqual(binding.subjects);
        expect(rendered.metadata.namespace ?? NAMESPACE).toBe(binding.metadata.namespace ?? NAMESPACE);
      }
    }
  });

  it("issues the same CA, server and client certificates as infra/cert-manager/", () => {
    for (const kind of ["Issuer", "Certificate"]) {
      for (const object of plain.filter((d) => d.kind === kind)) {
        expect(comparable(findIn(docs, kind, object.metadata.name))).toEqual(comparable(object));
      }
    }
  });

  it("writes the cloud-config of infra/cluster-autoscaler/, addressed to the rendered Service", () => {
    const cloudConfig = parse(
      findIn(docs, "Secret", "cluster-autoscaler-cloud-config").stringData["cloud-config"],
    );
    const plainConfig = parse(
      findIn(plain, "ConfigMap", "cluster-autoscaler-cloud-config").data["cloud-config"],
    );
    expect(cloudConfig).toEqual(plainConfig);
    const service = findIn(docs, "Service", "ksp-agent");
    expect(cloudConfig.address).toBe(
      `${service.metadata.name}.${service.metadata.namespace}.svc:${service.spec.ports[0].port}`,
    );
    expect(service.spec.ports).toEqual(findIn(plain, "Service", "ksp-agent").spec.ports);
  });

  it("creates the credential Secret empty and keeps it on uninstall; creates no registration or SSH Secret", () => {
    const credential = findIn(docs, "Secret", "ksp-agent-credential");
    expect(credential.data).toBeUndefined();
    expect(credential.metadata.annotations["helm.sh/resource-policy"]).toBe("keep");
    expect(docs.filter((d) => d.kind === "Secret").map((d) => d.metadata.name)).toEqual([
      "cluster-autoscaler-cloud-config",
      "ksp-agent-credential",
    ]);
    expect(docs.some((d) => d.kind === "PodDisruptionBudget" || d.kind === "PodMonitor")).toBe(false);
  });
});

describe("infra/helm/ksp-agent variants", () => {
  it("refuses to render without the control-plane URL or the cluster name", () => {
    const result = renderChartRaw(CHART, { name: "ksp-agent", values: { cluster: "c1" } });
    expect(result.status).toBe(1);
    expect(result.stderr).toContain("controlPlaneUrl is required");
    const noCluster = renderChartRaw(CHART, { values: { controlPlaneUrl: "https://ksp.example.com" } });
    expect(noCluster.stderr).toContain("cluster is required");
  });

  it("derives every name from another release name consistently: Service, address, certificate, Lease, Secrets", () => {
    const docs = render({}, "prod");
    const env = envOf(docs, "prod-ksp-agent");
    const service = findIn(docs, "Service", "prod-ksp-agent");
    const host = `${service.metadata.name}.${NAMESPACE}.svc`;
    const cloudConfig = parse(
      findIn(docs, "Secret", "cluster-autoscaler-cloud-config").stringData["cloud-config"],
    );
    expect(cloudConfig.address).toBe(`${host}:8086`);
    expect(findIn(docs, "Certificate", "prod-ksp-agent-grpc").spec.dnsNames).toContain(host);
    const role = findIn(docs, "Role", "prod-ksp-agent");
    expect(role.rules.map((r: Manifest) => r.resourceNames ?? [])).toEqual([
      [],
      [env.get("KSP_LEASE_NAME")?.value],
      [env.get("KSP_AGENT_CREDENTIAL_SECRET")?.value],
    ]);
    findIn(docs, "Secret", env.get("KSP_AGENT_CREDENTIAL_SECRET")?.value);
    expect(findIn(docs, "RoleBinding", "prod-ksp-agent").subjects[0].name).toBe(
      findIn(docs, "ServiceAccount", "prod-ksp-agent").metadata.name,
    );
  });

  it("runs one replica when asked", () => {
    expect(findIn(render({ replicaCount: 1 }), "Deployment", "ksp-agent").spec.replicas).toBe(1);
  });

  it("uses existing registration and SSH Secrets by name, creating neither", () => {
    const docs = render({
      registration: { existingSecret: "reg", key: "value" },
      ssh: { existingSecret: "keys" },
    });
    expect(envOf(docs).get("KSP_REGISTRATION_TOKEN")?.valueFrom.secretKeyRef).toEqual({
      name: "reg",
      key: "value",
      optional: true,
    });
    const volumes = findIn(docs, "Deployment", "ksp-agent").spec.template.spec.volumes;
    expect(volumes.find((v: Manifest) => v.name === "ssh-keys").secret.secretName).toBe("keys");
    expect(docs.filter((d) => d.kind === "Secret").map((d) => d.metadata.name)).not.toContain("reg");
  });

  it("creates the registration and SSH Secrets from values when given, and points the agent at them", () => {
    const docs = render({
      registration: { token: "ksp_reg_0123456789abcdef" },
      ssh: { keys: { default: "PEM" } },
    });
    const registration = findIn(docs, "Secret", "ksp-agent-registration");
    expect(Buffer.from(registration.data.token, "base64").toString()).toBe("ksp_reg_0123456789abcdef");
    expect(envOf(docs).get("KSP_REGISTRATION_TOKEN")?.valueFrom.secretKeyRef.name).toBe(
      "ksp-agent-registration",
    );
    expect(Buffer.from(findIn(docs, "Secret", "ksp-agent-ssh").data.default, "base64").toString()).toBe(
      "PEM",
    );
  });

  it("without cert-manager mounts the named TLS Secret and creates no cert-manager objects; refuses without one", () => {
    const docs = render({ tls: { certManager: { enabled: false }, secretName: "my-tls" } });
    expect(docs.filter((d) => d.apiVersion.startsWith("cert-manager.io"))).toEqual([]);
    const volumes = findIn(docs, "Deployment", "ksp-agent").spec.template.spec.volumes;
    expect(volumes.find((v: Manifest) => v.name === "grpc-tls").secret.secretName).toBe("my-tls");
    const result = renderChartRaw(CHART, {
      values: { ...REQUIRED, tls: { certManager: { enabled: false } } },
    });
    expect(result.status).toBe(1);
    expect(result.stderr).toContain("tls.secretName is required");
  });

  it("signs with an external issuer when the chart's CA is off", () => {
    const issuerRef = { kind: "ClusterIssuer", name: "corp-ca", group: "cert-manager.io" };
    const docs = render({ tls: { certManager: { createIssuer: false, issuerRef } } });
    expect(docs.filter((d) => d.kind === "Issuer")).toEqual([]);
    expect(docs.filter((d) => d.kind === "Certificate").map((d) => d.spec.issuerRef)).toEqual([
      issuerRef,
      issuerRef,
    ]);
  });

  it("without TLS sets no TLS variables or mounts, and the cloud-config names no client certificate", () => {
    const docs = render({ tls: { enabled: false } });
    expect([...envOf(docs).keys()].filter((name) => name.startsWith("KSP_GRPC_TLS"))).toEqual([]);
    expect(docs.filter((d) => d.apiVersion.startsWith("cert-manager.io"))).toEqual([]);
    const cloudConfig = parse(
      findIn(docs, "Secret", "cluster-autoscaler-cloud-config").stringData["cloud-config"],
    );
    expect(Object.keys(cloudConfig).sort()).toEqual(["address", "grpc_timeout"]);
  });

  it("refuses the chart's namespaced CA Issuer for a Cluster Autoscaler in another namespace", () => {
    const result = renderChartRaw(CHART, {
      namespace: NAMESPACE,
      values: { ...REQUIRED, clusterAutoscaler: { namespace: "autoscaling" } },
    });
    expect(result.status).toBe(1);
    expect(result.stderr).toContain("signs only in the release namespace");
  });

  it("writes the cloud-config as a ConfigMap for infra/cluster-autoscaler/deployment.yaml when asked", () => {
    const docs = render({ clusterAutoscaler: { cloudConfig: { kind: "ConfigMap" } } });
    const plainMap = findIn(plain, "ConfigMap", "cluster-autoscaler-cloud-config");
    const map = findIn(docs, "ConfigMap", "cluster-autoscaler-cloud-config");
    expect(parse(map.data["cloud-config"])).toEqual(parse(plainMap.data["cloud-config"]));
    expect(plainCaDeployment.spec.template.spec.volumes[0].configMap.name).toBe(map.metadata.name);
  });

  it("adds the PodMonitor of infra/prometheus/ with the Prometheus selector label, and an opt-in PDB", () => {
    const docs = render({
      metrics: { podMonitor: { enabled: true, labels: { release: "kube-prometheus-stack" } } },
      podDisruptionBudget: { enabled: true },
    });
    const podMonitor = findIn(docs, "PodMonitor", "ksp-agent");
    expect(podMonitor.metadata.labels.release).toBe("kube-prometheus-stack");
    expect({ ...podMonitor.spec, selector: undefined }).toEqual({
      ...plainPodMonitor.spec,
      selector: undefined,
    });
    const podLabels = findIn(docs, "Deployment", "ksp-agent").spec.template.metadata.labels;
    expect(podLabels).toMatchObject(podMonitor.spec.selector.matchLabels);
    const pdb = findIn(docs, "PodDisruptionBudget", "ksp-agent");
    expect(podLabels).toMatchObject(pdb.spec.selector.matchLabels);
    expect(pdb.spec.unhealthyPodEvictionPolicy).toBe("AlwaysAllow");
  });

  it("passes scheduling settings and extra agent variables through", () => {
    const docs = render({
      nodeSelector: { "node-role.kubernetes.io/control-plane": "" },
      tolerations: [
        { key: "node-role.kubernetes.io/control-plane", operator: "Exists", effect: "NoSchedule" },
      ],
      affinity: {
        nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [] } },
      },
      extraEnv: { KSP_API_SERVER_ENDPOINT: "10.0.0.1:6443" },
      resources: { requests: { cpu: "100m", memory: "256Mi" } },
    });
    const pod = findIn(docs, "Deployment", "ksp-agent").spec.template.spec;
    expect(pod.nodeSelector).toEqual({ "node-role.kubernetes.io/control-plane": "" });
    expect(pod.tolerations[0].operator).toBe("Exists");
    expect(Object.keys(pod.affinity)).toEqual(["nodeAffinity"]);
    expect(pod.containers[0].resources).toEqual({
      requests: { cpu: "100m", memory: "256Mi" },
      limits: { memory: "384Mi" },
    });
    expect(envOf(docs).get("KSP_API_SERVER_ENDPOINT")?.value).toBe("10.0.0.1:6443");
  });
});

describe("infra/helm/cluster-autoscaler-values.yaml", () => {
  const caValues = parse(readFileSync(path.join(INFRA, "helm/cluster-autoscaler-values.yaml"), "utf8"));
  const chart = defaults.clusterAutoscaler;

  it("runs CA with the externalgrpc provider, its cloud-config path, and no static node groups", () => {
    expect(caValues.cloudProvider).toBe("externalgrpc");
    expect(caValues.autoDiscovery.clusterName).toBeTruthy(); // the upstream chart renders no Deployment without it
    expect(caValues.autoscalingGroups).toBeUndefined();
    const flags = Object.entries(caValues.extraArgs).map(([key, value]) => `--${key}=${value}`);
    const plainFlags = plainCaDeployment.spec.template.spec.containers[0].command.slice(1) as string[];
    expect(flags).toEqual(
      expect.arrayContaining(plainFlags.filter((f) => f !== "--cloud-provider=externalgrpc")),
    );
    expect(caValues.image.tag).toBe(plainCaDeployment.spec.template.spec.containers[0].image.split(":")[1]);
  });

  it("mounts the cloud-config Secret and client certificate the ksp-agent chart creates, where the cloud-config says", () => {
    const volumes = caValues.extraVolumeSecrets as Record<string, { name: string; mountPath: string }>;
    const cloudConfigVolume = Object.values(volumes).find((v) => v.name === chart.cloudConfig.name)!;
    expect(caValues.extraArgs["cloud-config"]).toBe(`${cloudConfigVolume.mountPath}/cloud-config`);
    expect(chart.cloudConfig.kind).toBe("Secret"); // extraVolumeSecrets mounts Secrets only
    const clientVolume = Object.values(volumes).find((v) => v.name === chart.clientCertificate.secretName)!;
    expect(clientVolume.mountPath).toBe(chart.cloudConfig.clientCertDir);
    const cloudConfig = parse(findIn(render(), "Secret", chart.cloudConfig.name).stringData["cloud-config"]);
    expect([cloudConfig.cert, cloudConfig.key, cloudConfig.cacert]).toEqual(
      ["tls.crt", "tls.key", "ca.crt"].map((file) => `${clientVolume.mountPath}/${file}`),
    );
  });
});
