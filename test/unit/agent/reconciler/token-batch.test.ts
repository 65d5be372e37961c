/** One token per join batch: made on first need, shared, deleted after the last member, retried on failure. */
import { describe, expect, it } from "vitest";
import { createTokenBatch } from "../../../../agent/reconciler/token-batch.ts";
import { createLogger } from "../../../../shared/logger.ts";
import { FakeKube } from "../../../support/agent/fake-kube.ts";

const logger = createLogger({ level: "error", sink: () => {} });
const settle = () => new Promise((resolve) => setTimeout(resolve, 10));

describe("token batch", () => {
  it("makes one token for all members and deletes it once every member released it", async () => {
    const kube = new FakeKube();
    const live = new Set<string>();
    const batch = createTokenBatch({
      tokens: kube.bootstrapTokens,
      ttlMs: 60_000,
      description: "b",
      logger,
      live,
    });
    const [a, b, c] = [batch.lease(), batch.lease(), batch.lease()];
    batch.seal();
    const tokens = await Promise.all([a.token(), b.token()]);
    expect(new Set(tokens).size).toBe(1);
    expect(kube.tokens()).toHaveLength(1);
    // a cleanup on taking over leaves it alone while the batch holds it
    expect([...live]).toEqual([tokens[0]!.split(".")[0]]);
    a.release();
    a.release(); // idempotent
    b.release();
    await settle();
    expect(kube.tokens()).toHaveLength(1); // c still holds it, even without having asked
    c.release();
    await settle();
    expect(kube.tokens()).toEqual([]);
    expect(live.size).toBe(0);
    await expect(a.token()).rejects.toThrow("released");
  });

  it("never makes a token nobody asked for, and retries one whose creation failed", async () => {
    const kube = new FakeKube();
    const idle = createTokenBatch({
      tokens: kube.bootstrapTokens,
      ttlMs: 60_000,
      description: "b",
      logger,
      live: new Set(),
    });
    idle.lease().release();
    idle.seal();
    await settle();
    expect(kube.callsOf("createToken")).toEqual([]);

    const batch = createTokenBatch({
      tokens: kube.bootstrapTokens,
      ttlMs: 60_000,
      description: "b",
      logger,
      live: new Set(),
    });
    const lease = batch.lease();
    batch.seal();
    kube.failNext("createToken");
    await expect(lease.token()).rejects.toThrow("injected");
    await expect(lease.token()).resolves.toMatch(/^[a-z0-9]{6}\.[a-z0-9]{16}$/);
    lease.release();
    await settle();
    expect(kube.tokens()).toEqual([]);
    expect(() => batch.lease()).toThrow("sealed");
  });
});
