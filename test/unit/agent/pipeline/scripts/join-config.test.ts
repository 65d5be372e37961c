import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { JOIN_SECRETS, parseJoinInput } from "../../../../../agent/pipeline/pipelines/inputs.ts";
import { configVersionFor, joinConfiguration } from "../../../../../agent/pipeline/pipelines/join-config.ts";
import { ValidationError } from "../../../../../agent/pipeline/quote.ts";

const TOKEN = "abcdef.0123456789abcdef";
const HASH = `sha256:${"0f".repeat(32)}`;
const values = {
  nodeName: "worker-1",
  providerId: "ksp://pool-a/m-1",
  apiEndpoint: "10.0.0.1:6443",
  token: TOKEN,
  caCertHash: HASH,
  labels: { "ksp.dev/pool": "pool-a", tier: "gpu" },
  taints: [{ key: "ksp.dev/gpu", value: "true", effect: "NoSchedule" }],
  hooks: { preJoin: "echo hi", postJoin: null },
  poolName: "pool a",
};

describe("JoinConfiguration", () => {
  it("v1beta4: kubeletExtraArgs as a list, token and CA pin only in discovery", () => {
    const doc = parse(joinConfiguration(parseJoinInput(values), "v1beta4"));
    expect(doc).toEqual({
      apiVersion: "kubeadm.k8s.io/v1beta4",
      kind: "JoinConfiguration",
      discovery: {
        bootstrapToken: { apiServerEndpoint: "10.0.0.1:6443", token: TOKEN, caCertHashes: [HASH] },
      },
      nodeRegistration: {
        name: "worker-1",
        kubeletExtraArgs: [
          { name: "provider-id", value: "ksp://pool-a/m-1" },
          { name: "node-labels", value: "ksp.dev/pool=pool-a,tier=gpu" },
        ],
        taints: [{ key: "ksp.dev/gpu", value: "true", effect: "NoSchedule" }],
      },
    });
  });

  it("v1beta3: kubeletExtraArgs as a map; no labels means no node-labels, no taints an empty list", () => {
    const input = parseJoinInput({ ...values, labels: undefined, taints: undefined });
    const doc = parse(joinConfiguration(input, "v1beta3"));
    expect(doc.apiVersion).toBe("kubeadm.k8s.io/v1beta3");
    expect(doc.nodeRegistration.kubeletExtraArgs).toEqual({ "provider-id": "ksp://pool-a/m-1" });
    expect(doc.nodeRegistration.taints).toEqual([]);
  });

  it("picks the config version from kubeadm's version", () => {
    expect(configVersionFor("v1.31.2")).toBe("v1beta4");
    expect(configVersionFor("v1.30.5")).toBe("v1beta3");
    expect(configVersionFor("v2.0.0")).toBe("v1beta4");
  });

  it("join input: every field validated, errors name the field", () => {
    const field = (patch: Record<string, unknown>) => {
      try {
        parseJoinInput({ ...values, ...patch });
      } catch (err) {
        expect(err).toBeInstanceOf(ValidationError);
        return (err as ValidationError).field;
      }
      return "none";
    };
    expect(field({ nodeName: "$(touch pwned)" })).toBe("nodeName");
    expect(field({ providerId: "ksp://x y" })).toBe("providerId");
    expect(field({ apiEndpoint: "10.0.0.1;id:6443" })).toBe("apiEndpoint");
    expect(field({ token: undefined })).toBe("token");
    expect(field({ caCertHash: "sha256:x" })).toBe("caCertHash");
    expect(field({ labels: { a: "`id`" } })).toBe('labels["a"]');
    expect(field({ taints: [{ key: "a", effect: "NoSchedule;" }] })).toBe("taints[0].effect");
    expect(field({ hooks: { postJoin: 5 } })).toBe("hooks.postJoin");
    expect(field({ poolName: "a\nb" })).toBe("poolName");
    expect(JOIN_SECRETS).toEqual(["token", "caCertHash"]);
  });
});
