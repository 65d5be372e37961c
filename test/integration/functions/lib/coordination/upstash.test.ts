import { randomUUID } from "node:crypto";
import { Redis } from "@upstash/redis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { UpstashCoordination } from "../../../../../functions/lib/coordination/upstash.ts";
import { isAppError } from "../../../../../functions/lib/errors.ts";
import { closedPort } from "../../../../support/closed-port.ts";
import {
  type ContractHarness,
  defineCoordinationContract,
} from "../../../../support/coordination-contract.ts";
import { RespConnection, type RespReply } from "../../../../support/upstash-bridge/resp.ts";
import {
  redisAvailable,
  startUpstashBridge,
  type UpstashBridge,
} from "../../../../support/upstash-bridge.ts";
import { recordUsage } from "../../../../support/usage.ts";

const ok = await redisAvailable();
const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

describe.skipIf(!ok)("UpstashCoordination over real Redis (REST bridge)", () => {
  let bridge: UpstashBridge;
  let raw: RespConnection;
  // A unique prefix per run is the coordination layer's own feature (not a
  // bridge rewrite), and lets afterAll delete exactly what this run wrote.
  const prefix = `ksp-test:${randomUUID()}:`;

  beforeAll(async () => {
    bridge = await startUpstashBridge();
    raw = await RespConnection.connect("127.0.0.1", 6379);
    recordUsage("client", "@upstash/redis");
  });

  afterAll(async () => {
    if (raw) {
      const [reply] = await raw.send([["KEYS", `${prefix}*`]]);
      const keys = (reply as Buffer[]).map(String);
      if (keys.length > 0) await raw.send([["DEL", ...keys]]);
      raw.close();
    }
    await bridge?.close();
  });

  const harness = (redisOptions: { automaticDeserialization?: boolean }): (() => ContractHarness) => {
    return () => ({
      coordination: new UpstashCoordination(
        new Redis({
          url: bridge.url,
          token: bridge.token,
          retry: false,
          enableTelemetry: false,
          ...redisOptions,
        }),
        { prefix },
      ),
      advance: sleep,
      ttlMs: 500,
    });
  };

  describe("contract, default client (auto-pipelining, JSON deserialization)", () => {
    defineCoordinationContract(harness({}));
  });

  describe("contract, client without automatic deserialization", () => {
    defineCoordinationContract(harness({ automaticDeserialization: false }));
  });

  it("builds its own client from {url, token} and stores prefixed, namespaced keys", async () => {
    const c = new UpstashCoordination({ url: bridge.url, token: bridge.token }, { prefix });
    const lock = await c.acquireLock("pool-7", 10_000);
    const [token, ttl] = await raw.send([
      ["GET", `${prefix}lock:pool-7`],
      ["PTTL", `${prefix}lock:pool-7`],
    ]);
    expect(String(token as RespReply)).toBe(lock?.token);
    expect(ttl).toBeGreaterThan(9_000);
    expect(await c.releaseLock(lock!)).toBe(true);
    const [gone] = await raw.send([["EXISTS", `${prefix}lock:pool-7`]]);
    expect(gone).toBe(0);
  });

  it("reports an unreachable or refusing store as dependency_unavailable", async () => {
    const wrongToken = new UpstashCoordination(
      new Redis({ url: bridge.url, token: "nope", retry: false, enableTelemetry: false }),
      { prefix },
    );
    const err = await wrongToken.ping().catch((e: unknown) => e);
    expect(isAppError(err) && err.code).toBe("dependency_unavailable");
    const unreachable = new UpstashCoordination(
      new Redis({
        url: `http://127.0.0.1:${await closedPort()}`,
        token: "t",
        retry: false,
        enableTelemetry: false,
      }),
      { prefix },
    );
    const err2 = await unreachable.acquireLock("x", 1000).catch((e: unknown) => e);
    expect(isAppError(err2) && err2.code).toBe("dependency_unavailable");
  });
});
