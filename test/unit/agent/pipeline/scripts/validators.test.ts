import { describe, expect, it } from "vitest";
import {
  ValidationError,
  validateAbsolutePath,
  validateBootstrapToken,
  validateCaCertHash,
  validateEndpoint,
  validateHostname,
  validateLabelKey,
  validateLabelValue,
  validateNodeLabels,
  validateNodeName,
  validateProviderId,
  validateTaints,
  validateText,
} from "../../../../../agent/pipeline/quote.ts";

const INJECTIONS = [
  "$(touch pwned)",
  "`touch pwned`",
  "a;touch pwned",
  "a\ntouch pwned",
  "a b",
  "a'b",
  'a"b',
];

function refusal(fn: () => unknown): ValidationError {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(ValidationError);
    return err as ValidationError;
  }
  throw new Error("expected a ValidationError");
}

describe("validators", () => {
  it("node names and hostnames: lowercase RFC 1123", () => {
    expect(validateNodeName("worker-1.pool-a")).toBe("worker-1.pool-a");
    expect(validateHostname("ksp-host-1")).toBe("ksp-host-1");
    for (const bad of [...INJECTIONS, "", "Worker", "-a", "a-", "a..b", "a".repeat(64), 42]) {
      expect(refusal(() => validateNodeName(bad)).field).toBe("nodeName");
    }
    expect(refusal(() => validateHostname(`${"a".repeat(40)}.${"b".repeat(30)}`)).field).toBe("hostname");
  });

  it("label keys and values", () => {
    expect(validateLabelKey("ksp.dev/pool")).toBe("ksp.dev/pool");
    expect(validateLabelKey("tier")).toBe("tier");
    expect(validateLabelValue("")).toBe("");
    expect(validateLabelValue("gpu_A100.x")).toBe("gpu_A100.x");
    for (const bad of [...INJECTIONS, "", "/x", "a/", "Bad_Prefix/x", `p/${"x".repeat(64)}`]) {
      expect(() => validateLabelKey(bad)).toThrow(ValidationError);
    }
    for (const bad of [...INJECTIONS, "-x", "x-", "a,b", "a=b", "x".repeat(64)]) {
      expect(() => validateLabelValue(bad)).toThrow(ValidationError);
    }
  });

  it("node labels: an object, names the offending key, refuses kubelet-forbidden namespaces", () => {
    expect(validateNodeLabels({ "ksp.dev/pool": "a", "node.kubernetes.io/exclude": "" })).toEqual({
      "ksp.dev/pool": "a",
      "node.kubernetes.io/exclude": "",
    });
    expect(validateNodeLabels(undefined)).toEqual({});
    expect(refusal(() => validateNodeLabels({ tier: "$(touch pwned)" })).field).toBe('labels["tier"]');
    expect(refusal(() => validateNodeLabels({ "x;y": "1" })).field).toBe("labels key");
    expect(refusal(() => validateNodeLabels({ "node-role.kubernetes.io/worker": "" })).message).toMatch(
      /kubelet may not set/,
    );
    expect(() => validateNodeLabels(["a"])).toThrow(ValidationError);
  });

  it("taints: key, optional value, one of three effects; errors name the index", () => {
    expect(
      validateTaints([
        { key: "ksp.dev/gpu", value: "true", effect: "NoSchedule" },
        { key: "x", effect: "NoExecute" },
      ]),
    ).toEqual([
      { key: "ksp.dev/gpu", value: "true", effect: "NoSchedule" },
      { key: "x", effect: "NoExecute" },
    ]);
    expect(refusal(() => validateTaints([{ key: "a", effect: "Sometimes" }])).field).toBe("taints[0].effect");
    expect(
      refusal(() =>
        validateTaints([
          { key: "a", effect: "NoSchedule" },
          { key: "`id`", effect: "NoSchedule" },
        ]),
      ).field,
    ).toBe("taints[1].key");
    expect(refusal(() => validateTaints([{ key: "a", value: "x;y", effect: "NoSchedule" }])).field).toBe(
      "taints[0].value",
    );
    expect(() => validateTaints("NoSchedule")).toThrow(ValidationError);
  });

  it("absolute paths without metacharacters or ..", () => {
    expect(validateAbsolutePath("/etc/kubernetes/ksp/join-config.yaml")).toBe(
      "/etc/kubernetes/ksp/join-config.yaml",
    );
    for (const bad of [...INJECTIONS, "relative/x", "/a/../b", "/a b", "/a$(x)"]) {
      expect(refusal(() => validateAbsolutePath(bad, "configPath")).field).toBe("configPath");
    }
  });

  it("bootstrap token and CA hash: strict formats, the value never in the message", () => {
    expect(validateBootstrapToken("abcdef.0123456789abcdef")).toBe("abcdef.0123456789abcdef");
    const secret = "abcdef.0123456789abcdeX";
    const err = refusal(() => validateBootstrapToken(secret));
    expect(err.field).toBe("token");
    expect(err.message).not.toContain("abcdef");
    const hash = `sha256:${"AB".repeat(32)}`;
    expect(validateCaCertHash(hash)).toBe(hash.toLowerCase());
    for (const bad of [
      "sha256:abc",
      "md5:" + "a".repeat(64),
      `sha256:${"g".repeat(64)}`,
      `sha256:${"a".repeat(64)}\n`,
    ]) {
      expect(refusal(() => validateCaCertHash(bad)).message).not.toContain(bad.trim());
    }
  });

  it("endpoints: DNS name, IPv4 or bracketed IPv6 with a port", () => {
    expect(validateEndpoint("10.0.0.1:6443")).toEqual({
      host: "10.0.0.1",
      port: 6443,
      text: "10.0.0.1:6443",
    });
    expect(validateEndpoint("api.example.com:443").host).toBe("api.example.com");
    expect(validateEndpoint("[fd00::1]:6443")).toEqual({
      host: "fd00::1",
      port: 6443,
      text: "[fd00::1]:6443",
    });
    for (const bad of [
      ...INJECTIONS,
      "10.0.0.1",
      "10.0.0.1:0",
      "10.0.0.1:65536",
      "fd00::1:6443",
      "[x]:1",
      "a:b",
    ]) {
      expect(refusal(() => validateEndpoint(bad)).field).toBe("apiEndpoint");
    }
  });

  it("provider IDs and free text", () => {
    expect(validateProviderId("ksp://pool-a/0b7c-11")).toBe("ksp://pool-a/0b7c-11");
    for (const bad of [...INJECTIONS, "no-scheme", "ksp://a,b"])
      expect(() => validateProviderId(bad)).toThrow(ValidationError);
    expect(validateText("$(touch pwned); `id`", "poolName")).toBe("$(touch pwned); `id`");
    expect(refusal(() => validateText("a\nb", "poolName")).field).toBe("poolName");
    expect(() => validateText("x".repeat(300), "machineId", 253)).toThrow(ValidationError);
  });
});
