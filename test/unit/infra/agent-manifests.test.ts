/**
 * The agent's manifests (infra/agent/) against the agent itself: every KSP_*
 * variable they set is one the agent reads, and the credential Secret they
 * name is declared and reachable with exactly the verbs the agent uses.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { parseAllDocuments } from "yaml";
import { AGENT_FIELDS } from "../../../agent/config/fields.ts";
import { parseDurationMs } from "../../../agent/config/values.ts";

const INFRA = join(import.meta.dirname, "../../../infra/agent");

// biome-ignore lint/suspicious/noExplicitAny: manifests are free-form YAML
type Manifest = any;
const documents = (file: string): Manifest[] =>
  parseAllDocuments(readFileSync(join(INFRA, file), "utf8")).map((d) => d.toJS());

describe("infra/agent manifests", () => {
  const deployment = documents("deployment.yaml");
  const rbac = documents("rbac.yaml");
  const container = deployment.find((d) => d.kind === "Deployment").spec.template.spec.containers[0];
  const env = new Map<string, Manifest>(container.env.map((e: Manifest) => [e.name, e]));

  it("sets only KSP_* variables the agent knows", () => {
    const known = new Set(AGENT_FIELDS.map((f) => f.env));
    const unknown = [...env.keys()].filter((name) => name.startsWith("KSP_") && !known.has(name));
    expect(unknown).toEqual([]);
  });

  it("keeps the credential in a Secret it declares and may get and update, in the agent's namespace", () => {
    const secretName = env.get("KSP_AGENT_CREDENTIAL_SECRET")?.value;
    expect(secretName).toBe("ksp-agent-credential");
    // the Secret lives where the Lease lives: the pod's own namespace
    expect(env.get("KSP_LEASE_NAMESPACE")?.valueFrom?.fieldRef?.fieldPath).toBe("metadata.namespace");
    expect(deployment.some((d) => d.kind === "Secret" && d.metadata.name === secretName)).toBe(true);
    const rules = rbac.find((d) => d.kind === "Role").rules as Manifest[];
    const secretRule = rules.find((r) => r.resources.includes("secrets"));
    expect(secretRule.resourceNames).toEqual([secretName]);
    expect([...secretRule.verbs].sort()).toEqual(["get", "update"]);
  });

  it("lets work in flight finish within the pod's termination grace period, with time left to release the Lease", () => {
    const grace = parseDurationMs(env.get("KSP_SHUTDOWN_GRACE_PERIOD")?.value)!;
    const terminationMs =
      deployment.find((d) => d.kind === "Deployment").spec.template.spec.terminationGracePeriodSeconds * 1000;
    expect(grace).toBeGreaterThan(0);
    expect(terminationMs - grace).toBeGreaterThanOrEqual(5_000);
  });

  it("may read what the agent reads cluster-wide: Nodes, pods, and metrics-server's node usage", () => {
    const rules = rbac.find((d) => d.kind === "ClusterRole").rules as Manifest[];
    const verbs = (group: string, resource: string) =>
      rules
        .filter((r) => r.apiGroups.includes(group) && r.resources.includes(resource))
        .flatMap((r) => r.verbs as string[]);
    expect(verbs("", "nodes")).toEqual(expect.arrayContaining(["get", "list", "watch", "patch", "delete"]));
    expect(verbs("", "pods")).toContain("list");
    expect(verbs("", "events")).toContain("create");
    expect(verbs("metrics.k8s.io", "nodes")).toEqual(["list"]);
  });

  it("elects the leader over a Lease in the agent's namespace it may create, get and update; the pod name is the identity", () => {
    const leaseName =
      env.get("KSP_LEASE_NAME")?.value ?? AGENT_FIELDS.find((f) => f.key === "leaseName")!.default;
    expect(env.get("KSP_LEASE_NAMESPACE")?.valueFrom?.fieldRef?.fieldPath).toBe("metadata.namespace");
    expect(env.get("KSP_POD_NAME")?.valueFrom?.fieldRef?.fieldPath).toBe("metadata.name");
    const role = rbac.find((d) => d.kind === "Role" && d.metadata.name === "ksp-agent");
    expect(role.metadata.namespace).toBeUndefined(); // lands in the namespace applied to, with the pod
    const leaseRules = (role.rules as Manifest[]).filter(
      (r) => r.apiGroups.includes("coordination.k8s.io") && r.resources.includes("leases"),
    );
    const verbsFor = (name: string) =>
      leaseRules
        .filter((r) => !r.resourceNames || r.resourceNames.includes(name))
        .flatMap((r) => r.verbs as string[])
        .sort();
    expect(verbsFor(leaseName)).toEqual(["create", "get", "update"]);
    // create cannot be narrowed to a name; everything else is, to this one Lease
    expect(verbsFor("some-other-lease")).toEqual(["create"]);
  });

  it("rolls out without waiting for a standby to become ready, and has no budget that would pin the leader", () => {
    const spec = deployment.find((d) => d.kind === "Deployment").spec;
    // only the leader is ready: a rollout that waits for a new ready replica never ends
    expect(spec.strategy.rollingUpdate.maxUnavailable).toBe("100%");
    expect(deployment.filter((d) => d.kind === "PodDisruptionBudget")).toEqual([]);
    expect(container.readinessProbe.httpGet.path).toBe("/readyz");
  });

  it("mounts the SSH key Secret read-only where KSP_SSH_KEY_DIR points", () => {
    const spec = deployment.find((d) => d.kind === "Deployment").spec.template.spec;
    const dir = env.get("KSP_SSH_KEY_DIR")?.value;
    const mount = container.volumeMounts.find((m: Manifest) => m.mountPath === dir);
    expect(mount?.readOnly).toBe(true);
    const volume = spec.volumes.find((v: Manifest) => v.name === mount.name);
    expect(volume.secret.secretName).toBe("ksp-agent-ssh");
    expect(env.get("KSP_SSH_HOST_KEY_POLICY")?.value).toBe("pin-on-first-use");
  });

  it("mounts no credential volume: a Secret volume is read-only and lags behind the API", () => {
    expect(env.has("KSP_AGENT_CREDENTIAL_FILE")).toBe(false);
    const volumes = deployment.find((d) => d.kind === "Deployment").spec.template.spec.volumes as Manifest[];
    expect(volumes.filter((v) => v.secret?.secretName === "ksp-agent-credential")).toEqual([]);
  });
});
