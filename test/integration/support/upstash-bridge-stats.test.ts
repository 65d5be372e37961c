/**
 * The bridge's command counter (UpstashBridge.stats), which the fleet bench
 * prices Upstash with: every command a client sends counts once, whether alone,
 * in a pipeline or in a transaction, and each REST call is one http request.
 */
import { randomUUID } from "node:crypto";
import { Redis } from "@upstash/redis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { RespConnection } from "../../support/upstash-bridge/resp.ts";
import { redisAvailable, startUpstashBridge, type UpstashBridge } from "../../support/upstash-bridge.ts";

const ok = await redisAvailable();

describe.skipIf(!ok)("upstash bridge command counter", () => {
  let bridge: UpstashBridge;
  let direct: Redis;
  const prefix = `ksp-test:bridge-stats:${randomUUID()}:`;

  beforeAll(async () => {
    bridge = await startUpstashBridge();
    direct = new Redis({
      url: bridge.url,
      token: bridge.token,
      retry: false,
      enableTelemetry: false,
      enableAutoPipelining: false,
    });
  });

  afterAll(async () => {
    const raw = await RespConnection.connect("127.0.0.1", 6379);
    const [keys] = await raw.send([["KEYS", `${prefix}*`]]);
    const names = (keys as Buffer[]).map(String);
    if (names.length > 0) await raw.send([["DEL", ...names]]);
    raw.close();
    await bridge?.close();
  });

  it("starts at zero and counts single commands by name", async () => {
    const fresh = await startUpstashBridge();
    try {
      expect(fresh.stats()).toEqual({ httpRequests: 0, commands: 0, byCommand: {} });
      const client = new Redis({
        url: fresh.url,
        token: fresh.token,
        retry: false,
        enableAutoPipelining: false,
      });
      await client.set(`${prefix}a`, "1");
      await client.get(`${prefix}a`);
      await client.get(`${prefix}missing`);
      expect(fresh.stats()).toEqual({ httpRequests: 3, commands: 3, byCommand: { SET: 1, GET: 2 } });
    } finally {
      await fresh.close();
    }
  });

  it("counts each command of a pipeline and of a transaction, one http request each", async () => {
    const before = bridge.stats();
    await direct.pipeline().set(`${prefix}p`, 1).incr(`${prefix}p`).get(`${prefix}p`).exec();
    await direct.multi().incr(`${prefix}m`).incr(`${prefix}m`).exec();
    const after = bridge.stats();
    expect(after.httpRequests - before.httpRequests).toBe(2);
    expect(after.commands - before.commands).toBe(5);
    expect((after.byCommand.INCR ?? 0) - (before.byCommand.INCR ?? 0)).toBe(3);
    // MULTI/EXEC are the bridge's wrapping, not commands the client sent
    expect(after.byCommand.MULTI).toBeUndefined();
  });

  it("counts a refused command (Upstash would bill it) but not an unauthorized or malformed request", async () => {
    const before = bridge.stats();
    const post = (body: string, token = bridge.token) =>
      fetch(bridge.url, { method: "POST", headers: { authorization: `Bearer ${token}` }, body });
    expect((await post(JSON.stringify(["FLUSHALL"]))).status).toBe(400);
    expect((await post(JSON.stringify(["GET", "k"]), "wrong")).status).toBe(401);
    expect((await post("not json")).status).toBe(400);
    const after = bridge.stats();
    expect(after.commands - before.commands).toBe(1);
    expect(after.byCommand.FLUSHALL).toBe(1);
  });

  it("hands out copies: a caller cannot change the counts", () => {
    const stats = bridge.stats();
    stats.commands = -1;
    stats.byCommand.GET = -1;
    expect(bridge.stats().commands).toBeGreaterThan(0);
    expect(bridge.stats().byCommand.GET).not.toBe(-1);
  });
});
