/**
 * infra/ is plain YAML that nothing else executes, so this test is its
 * compiler: every file parses, every document is a Kubernetes object, and the
 * names, ports, paths and variables that tie the files together agree.
 */
import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { parse, parseAllDocuments } from "yaml";
import { AGENT_FIELDS } from "../../../agent/config/fields.ts";
import { parseListenAddress } from "../../../agent/config/values.ts";
import { AGENT_NODE_FLAGS } from "../../../agent/node-flags.ts";
import { CONTROL_PLANE_NODE_FLAGS } from "../../../functions/node-flags.ts";
import packageJson from "../../../package.json" with { type: "json" };

const INFRA = path.resolve(import.meta.dirname, "../../../infra");

// biome-ignore lint/suspicious/noExplicitAny: manifests are untyped YAML; the assertions check their shape
type Manifest = Record<string, any>;

// infra/helm/ holds Helm templates and chart values, not manifests: helm-chart.test.ts renders and checks them.
const NOT_MANIFESTS = new Set([path.join(INFRA, "helm")]);

function yamlFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    if (NOT_MANIFESTS.has(full)) return [];
    if (entry.isDirectory()) return yamlFiles(full);
    return /\.ya?ml$/.test(entry.name) ? [full] : [];
  });
}

const files = yamlFiles(INFRA);
const manifests: (Manifest & { file: string })[] = files.flatMap((file) =>
  parseAllDocuments(readFileSync(file, "utf8"))
    .map((doc) => doc.toJS() as Manifest | null)
    .filter((doc): doc is Manifest => doc !== null)
    .map((doc) => ({ ...doc, file: path.relative(INFRA, file) })),
);

function find(kind: string, name: string): Manifest {
  const found = manifests.find((m) => m.kind === kind && m.metadata?.name === name);
  if (!found) throw new Error(`no ${kind} named ${name} under infra/`);
  return found;
}

describe("infra manifests", () => {
  it("has a file in each of agent/, cluster-autoscaler/, cert-manager/ and prometheus/", () => {
    const dirs = new Set(files.map((file) => path.relative(INFRA, file).split(path.sep)[0]));
    expect([...dirs].sort()).toEqual(["agent", "cert-manager", "cluster-autoscaler", "prometheus"]);
  });

  it.each(files.map((file) => [path.relative(INFRA, file), file]))("%s parses cleanly", (_name, file) => {
    const docs = parseAllDocuments(readFileSync(file, "utf8"));
    for (const doc of docs) {
      expect(doc.errors.map((e) => e.message)).toEqual([]);
      expect(doc.warnings.map((w) => w.message)).toEqual([]);
    }
  });

  it("gives every document an apiVersion, a kind and a name", () => {
    expect(manifests.length).toBeGreaterThanOrEqual(15);
    for (const m of manifests) {
      expect(typeof m.apiVersion, `${m.file}: apiVersion`).toBe("string");
      expect(m.kind, `${m.file}: kind`).toMatch(/^[A-Z][A-Za-z]+$/);
      expect(m.metadata?.name, `${m.file}: ${m.kind} metadata.name`).toMatch(/^[a-z0-9][-a-z0-9.]*$/);
    }
  });

  it("runs two non-root agent replicas whose ports and env match the agent's settings", () => {
    const deployment = find("Deployment", "ksp-agent");
    expect(deployment.spec.replicas).toBe(2);
    const pod = deployment.spec.template.spec;
    const container = pod.containers[0];
    const env = Object.fromEntries(container.env.map((e: Manifest) => [e.name, e.value ?? e.valueFrom]));
    const known = new Set([...AGENT_FIELDS.map((field) => field.env), "NODE_OPTIONS"]);
    expect(env.NODE_OPTIONS).toBe(AGENT_NODE_FLAGS.join(" "));
    expect(packageJson.scripts.agent).toBe(`node ${AGENT_NODE_FLAGS.join(" ")} --import tsx agent/main.ts`);
    expect(packageJson.scripts.start).toBe(
      `node ${CONTROL_PLANE_NODE_FLAGS.join(" ")} --import tsx functions/node.ts`,
    );
    for (const name of Object.keys(env)) expect(known, `unknown agent variable ${name}`).toContain(name);
    const ports = Object.fromEntries(container.ports.map((p: Manifest) => [p.name, p.containerPort]));
    expect(ports).toEqual({
      grpc: parseListenAddress(env.KSP_GRPC_LISTEN)?.port,
      health: parseListenAddress(env.KSP_HEALTH_LISTEN)?.port,
    });
    expect(container.livenessProbe.httpGet).toEqual({ path: "/healthz", port: "health" });
    expect(container.readinessProbe.httpGet).toEqual({ path: "/readyz", port: "health" });
    expect(pod.securityContext.runAsNonRoot).toBe(true);
    expect(container.securityContext.readOnlyRootFilesystem).toBe(true);
    expect(pod.affinity.podAntiAffinity).toBeDefined();
    expect(find("Service", "ksp-agent").spec.ports[0]).toMatchObject({
      port: ports.grpc,
      targetPort: "grpc",
    });
  });

  it("mounts the TLS files the agent is told to use from the cert-manager Secret", () => {
    const pod = find("Deployment", "ksp-agent").spec.template.spec;
    const container = pod.containers[0];
    const tlsVolume = pod.volumes.find((v: Manifest) => v.secret?.secretName === "ksp-agent-grpc-tls");
    const mount = container.volumeMounts.find((m: Manifest) => m.name === tlsVolume.name);
    const env = Object.fromEntries(container.env.map((e: Manifest) => [e.name, e.value]));
    expect([env.KSP_GRPC_TLS_CERT, env.KSP_GRPC_TLS_KEY, env.KSP_GRPC_TLS_CLIENT_CA]).toEqual(
      ["tls.crt", "tls.key", "ca.crt"].map((file) => `${mount.mountPath}/${file}`),
    );
    expect(find("Certificate", "ksp-agent-grpc").spec.secretName).toBe("ksp-agent-grpc-tls");
  });

  it("points Cluster Autoscaler at the agent with a client certificate the agent's CA signed", () => {
    const cloudConfig = parse(find("ConfigMap", "cluster-autoscaler-cloud-config").data["cloud-config"]);
    expect(cloudConfig).toMatchObject({ address: "ksp-agent.kube-system.svc:8086", grpc_timeout: "15s" });
    const [host] = cloudConfig.address.split(":");
    expect(find("Certificate", "ksp-agent-grpc").spec.dnsNames).toContain(host);

    const ca = find("Deployment", "cluster-autoscaler").spec.template.spec;
    expect(ca.containers[0].command).toEqual(
      expect.arrayContaining(["--cloud-provider=externalgrpc", "--cloud-config=/config/cloud-config"]),
    );
    const clientVolume = ca.volumes.find((v: Manifest) => v.secret);
    const clientMount = ca.containers[0].volumeMounts.find((m: Manifest) => m.name === clientVolume.name);
    expect([cloudConfig.cert, cloudConfig.key, cloudConfig.cacert]).toEqual(
      ["tls.crt", "tls.key", "ca.crt"].map((file) => `${clientMount.mountPath}/${file}`),
    );
    const client = find("Certificate", "cluster-autoscaler-grpc-client");
    expect(client.spec.secretName).toBe(clientVolume.secret.secretName);
    expect(client.spec.usages).toContain("client auth");
    expect(client.spec.issuerRef.name).toBe(find("Certificate", "ksp-agent-grpc").spec.issuerRef.name);
  });

  it("grants the agent exactly the cluster-wide rules it needs", () => {
    const rules = find("ClusterRole", "ksp-agent").rules.map((r: Manifest) => [
      r.resources.join(),
      r.verbs.join(),
    ]);
    expect(rules).toEqual([
      ["nodes", "get,list,watch,patch,delete"],
      ["pods", "list"],
      ["pods/eviction", "create"],
      ["events", "create"],
      ["nodes", "list"], // metrics.k8s.io: node usage for the resource snapshots
    ]);
    const tokens = find("Role", "ksp-agent-bootstrap-tokens");
    expect(tokens.metadata.namespace).toBe("kube-system");
    // create per batch, delete when it ends, list (by label) to clean up after a crash; never get or update
    expect(tokens.rules).toEqual([
      { apiGroups: [""], resources: ["secrets"], verbs: ["create", "delete", "list"] },
    ]);
    const clusterInfo = find("Role", "ksp-agent-cluster-info");
    expect(clusterInfo.metadata.namespace).toBe("kube-public");
    expect(clusterInfo.rules).toEqual([
      { apiGroups: [""], resources: ["configmaps"], resourceNames: ["cluster-info"], verbs: ["get"] },
    ]);
    expect(find("RoleBinding", "ksp-agent-cluster-info").roleRef.name).toBe("ksp-agent-cluster-info");
  });
});
