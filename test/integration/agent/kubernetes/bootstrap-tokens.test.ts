/**
 * Bootstrap tokens on the Kubernetes API stand-in: the exact Secret `kubeadm
 * token create` makes, a new id on a collision, and the token secret kept out
 * of logs and errors.
 */
import { CoreV1Api } from "@kubernetes/client-node";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { createBootstrapTokens } from "../../../../agent/kubernetes/bootstrap-tokens.ts";
import { KubeError } from "../../../../agent/kubernetes/kube-error.ts";
import { ManualClock } from "../../../../shared/clock.ts";
import { createLogger } from "../../../../shared/logger.ts";
import { type KubeApiServer, startKubeApiServer } from "../../../support/kube-api/index.ts";

const decode = (data: Record<string, string>) =>
  Object.fromEntries(Object.entries(data).map(([k, v]) => [k, Buffer.from(v, "base64").toString("utf8")]));

describe("bootstrap tokens on the API stand-in", () => {
  let kube: KubeApiServer;
  let core: CoreV1Api;
  let clock: ManualClock;
  let lines: string[];

  beforeEach(async () => {
    kube = await startKubeApiServer({ requireToken: "agent-token" });
    core = kube.kubeConfig().makeApiClient(CoreV1Api);
    clock = new ManualClock(new Date("2026-12-06T20:00:00.750Z"));
    lines = [];
  });
  afterEach(() => kube.close());

  const tokens = (random?: (length: number) => string) =>
    createBootstrapTokens(core, {
      clock,
      identity: "ksp-agent-7d9f-abcde",
      logger: createLogger({ level: "debug", sink: (line) => lines.push(line) }),
      ...(random ? { random } : {}),
    });

  it("writes the Secret exactly as kubeadm token create does, marked as ours", async () => {
    const token = await tokens().create({ description: "join batch 3", ttlMs: 3_600_000 });
    const secret = kube.store.get("secrets", "kube-system", `bootstrap-token-${token.id}`);
    expect(secret.type).toBe("bootstrap.kubernetes.io/token");
    expect(secret.metadata.labels).toEqual({ "app.kubernetes.io/managed-by": "ksp-agent" });
    expect(decode(secret.data as Record<string, string>)).toEqual({
      "token-id": token.id,
      "token-secret": token.secret,
      "usage-bootstrap-authentication": "true",
      "usage-bootstrap-signing": "true",
      "auth-extra-groups": "system:bootstrappers:kubeadm:default-node-token",
      expiration: "2026-12-06T21:00:00Z",
      description: "ksp-agent ksp-agent-7d9f-abcde: join batch 3",
    });
    expect(token.expiresAt.toISOString()).toBe("2026-12-06T21:00:00.000Z");
    expect(lines.join("\n")).toContain(token.id);
    expect(lines.join("\n")).not.toContain(token.secret);
  });

  it("draws a new id when the first one is taken", async () => {
    const first = await tokens().create({ description: "a", ttlMs: 60_000 });
    const draws = [first.id, "zzzzzzzzzzzzzzzz", "newid1", "yyyyyyyyyyyyyyyy"];
    const token = await tokens(() => draws.shift()!).create({ description: "b", ttlMs: 60_000 });
    expect(token).toMatchObject({ id: "newid1", secret: "yyyyyyyyyyyyyyyy" });
    const creates = kube.requests.filter((r) => r.method === "POST" && r.path.includes("/secrets"));
    expect(creates.map((r) => r.status)).toEqual([201, 409, 201]);
  });

  it("gives up after repeated collisions with a 409 that does not name the secret", async () => {
    const taken = await tokens().create({ description: "a", ttlMs: 60_000 });
    const err = await tokens((length) => (length === 6 ? taken.id : "qqqqqqqqqqqqqqqq"))
      .create({ description: "b", ttlMs: 60_000 })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(KubeError);
    expect(err).toMatchObject({ status: 409 });
    expect((err as Error).message).not.toContain("qqqqqqqqqqqqqqqq");
  });

  it("keeps the secret out of the error when the API refuses", async () => {
    kube.setAcceptedTokens(["someone-else"]);
    const draws = ["abc123", "secretsecret1234"];
    const err = await tokens(() => draws.shift()!)
      .create({ description: "x", ttlMs: 60_000 })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(KubeError);
    expect(err).toMatchObject({ status: 401 });
    expect(
      JSON.stringify({ message: (err as Error).message, cause: String((err as Error).cause) }),
    ).not.toContain("secretsecret1234");
    expect(lines.join("\n")).not.toContain("secretsecret1234");
  });

  it("deleteExpired leaves Secrets without our label and tokens without an expiration", async () => {
    const ours = tokens();
    const expired = await ours.create({ description: "old", ttlMs: 1000 });
    kube.store.create("secrets", "kube-system", {
      metadata: { name: "bootstrap-token-opr123", labels: {} },
      type: "bootstrap.kubernetes.io/token",
      data: { "token-id": btoa("opr123"), expiration: btoa("2020-01-01T00:00:00Z") },
    });
    kube.store.create("secrets", "kube-system", {
      metadata: { name: "bootstrap-token-nev123", labels: { "app.kubernetes.io/managed-by": "ksp-agent" } },
      type: "bootstrap.kubernetes.io/token",
      data: { "token-id": btoa("nev123") },
    });
    clock.advance(5000);
    expect(await ours.deleteExpired()).toBe(1);
    const left = kube.store.list("secrets", { namespace: "kube-system" }).items.map((s) => s.metadata.name);
    expect(left).toEqual(["bootstrap-token-nev123", "bootstrap-token-opr123"]);
    expect(left).not.toContain(`bootstrap-token-${expired.id}`);
  });
});
