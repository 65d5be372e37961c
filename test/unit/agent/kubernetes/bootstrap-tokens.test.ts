/**
 * Token generation and the secret's confinement (bootstrap-tokens.ts), with
 * a scripted Secrets API: the stand-in never echoes a request body, a real
 * API server's validation message might.
 */
import { ApiException } from "@kubernetes/client-node";
import { describe, expect, it } from "vitest";
import { randomTokenString } from "../../../../agent/kubernetes/bootstrap-token-secret.ts";
import {
  createBootstrapTokens,
  type TokenSecretsApi,
} from "../../../../agent/kubernetes/bootstrap-tokens.ts";
import { KubeError } from "../../../../agent/kubernetes/kube-error.ts";
import { ManualClock } from "../../../../shared/clock.ts";
import { createLogger } from "../../../../shared/logger.ts";

const refusing = (message: (body: string) => string): TokenSecretsApi => ({
  createNamespacedSecret: async ({ body }) => {
    const status = { kind: "Status", code: 422, reason: "Invalid", message: message(JSON.stringify(body)) };
    throw new ApiException(422, "Unprocessable Entity", JSON.stringify(status), {});
  },
  deleteNamespacedSecret: async () => ({}),
  listNamespacedSecret: async () => ({ items: [] }),
});

describe("randomTokenString", () => {
  it("draws every character of [a-z0-9] about equally often", () => {
    const counts = new Map<string, number>();
    const sample = randomTokenString(36_000);
    expect(sample).toMatch(/^[a-z0-9]{36000}$/);
    for (const ch of sample) counts.set(ch, (counts.get(ch) ?? 0) + 1);
    expect(counts.size).toBe(36);
    // Expected 1000 each; a byte-modulo draw would give the first 4 characters ~1.14x the others.
    for (const n of counts.values()) expect(Math.abs(n - 1000)).toBeLessThan(150);
  });
});

describe("createBootstrapTokens", () => {
  it("keeps the token secret out of errors and logs even when the API echoes it", async () => {
    const lines: string[] = [];
    const draws = ["abc123", "s3cr3tvalue12345"];
    const tokens = createBootstrapTokens(
      refusing(
        (body) => `token-secret s3cr3tvalue12345 (${btoa("s3cr3tvalue12345")}) is not allowed in ${body}`,
      ),
      {
        clock: new ManualClock(),
        identity: "agent-0",
        logger: createLogger({ level: "debug", sink: (l) => lines.push(l) }),
        random: () => draws.shift()!,
      },
    );
    const err = await tokens.create({ description: "x", ttlMs: 60_000 }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(KubeError);
    expect(err).toMatchObject({ status: 422, reason: "Invalid" });
    const message = (err as Error).message;
    expect(message).toContain("abc123");
    expect(message).toContain("token-secret **** (****) is not allowed");
    expect(message).not.toContain("s3cr3tvalue12345");
    expect(message).not.toContain(btoa("s3cr3tvalue12345"));
    expect(lines.join("\n")).not.toContain("s3cr3tvalue12345");
  });

  it("refuses a TTL under a second without calling the API", async () => {
    const tokens = createBootstrapTokens(
      refusing(() => "called"),
      {
        clock: new ManualClock(),
        identity: "agent-0",
        logger: createLogger({ sink: () => {} }),
      },
    );
    await expect(tokens.create({ description: "x", ttlMs: 999 })).rejects.toThrow(/at least one second/);
    await expect(tokens.create({ description: "x", ttlMs: Number.NaN })).rejects.toThrow(
      /at least one second/,
    );
  });
});
