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
