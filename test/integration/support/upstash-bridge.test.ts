import { randomUUID } from "node:crypto";
import { Redis } from "@upstash/redis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { RespConnection } from "../../support/upstash-bridge/resp.ts";
import { redisAvailable, startUpstashBridge, type UpstashBridge } from "../../support/upstash-bridge.ts";

const ok = await redisAvailable();

describe.skipIf(!ok)("upstash REST bridge over real Redis", () => {
  let bridge: UpstashBridge;
  let redis: Redis; // default client: auto-pipelined, base64 responses
  let direct: Redis; // one HTTP request per command, hits POST /
  let raw: RespConnection; // straight to Redis, to check what really got stored
  const keys: string[] = [];
  const key = (name: string) => {
    const k = `ksp-test:bridge:${randomUUID()}:${name}`;
    keys.push(k);
    return k;
  };

  beforeAll(async () => {
    bridge = await startUpstashBridge();
    redis = new Redis({ url: bridge.url, token: bridge.token, retry: false, enableTelemetry: false });
    direct = new Redis({
      url: bridge.url,
      token: bridge.token,
      retry: false,
      enableTelemetry: false,
      enableAutoPipelining: false,
    });
    raw = await RespConnection.connect("127.0.0.1", 6379);
  });

  afterAll(async () => {
    if (keys.length > 0) await raw?.send([["DEL", ...keys]]);
    raw?.close();
    await bridge?.close();
  });

  it("SET/GET with NX and EX behave like Redis", async () => {
    const k = key("nx");
    expect(await direct.set(k, "first", { nx: true, ex: 60 })).toBe("OK");
    expect(await direct.set(k, "second", { nx: true })).toBeNull();
    expect(await direct.get(k)).toBe("first");
    const ttl = await direct.ttl(k);
    expect(ttl).toBeGreaterThan(50);
    expect(ttl).toBeLessThanOrEqual(60);
    expect(await direct.get(key("missing"))).toBeNull();
    const [stored] = await raw.send([["GET", k]]);
    expect(String(stored)).toBe("first");
  });

  it("PX expiry is enforced by Redis", async () => {
    const k = key("px");
    await direct.set(k, "short", { px: 150 });
    expect(await direct.get(k)).toBe("short");
    await new Promise((r) => setTimeout(r, 300));
    expect(await direct.get(k)).toBeNull();
  });

  it("runs a pipeline and returns results in order, errors per command", async () => {
    const k = key("pipe");
    const s = key("str");
    const results = await redis
      .pipeline()
      .set(k, 1)
      .incr(k)
      .incrby(k, 5)
      .get(k)
      .set(s, "text")
      .incr(s)
      .exec({ keepErrors: true });
    expect(results.map((r) => r.result)).toEqual(["OK", 2, 7, 7, "OK", undefined]);
    expect(results[5]?.error).toMatch(/not an integer/);
  });

  it("auto-pipelines concurrent commands through /pipeline", async () => {
    const k = key("auto");
    const replies = await Promise.all(Array.from({ length: 20 }, () => redis.incr(k)));
    expect([...replies].sort((a, b) => a - b)).toEqual(Array.from({ length: 20 }, (_, i) => i + 1));
  });

  it("runs MULTI/EXEC atomically", async () => {
    const k = key("tx");
    const l = key("list");
    const results = await redis
      .multi()
      .set(k, "a")
      .append(k, "bc")
      .get(k)
      .rpush(l, "x", "y")
      .lrange(l, 0, -1)
      .exec();
    expect(results).toEqual(["OK", 3, "abc", 2, ["x", "y"]]);
  });

  it("fails a transaction whose command cannot be queued (EXECABORT)", async () => {
    const k = key("abort");
    const res = await fetch(`${bridge.url}/multi-exec`, {
      method: "POST",
      headers: { authorization: `Bearer ${bridge.token}` },
      body: JSON.stringify([["SET", k, "v"], ["NOSUCHCOMMAND"]]),
    });
    expect(res.status).toBe(400);
    expect(((await res.json()) as { error: string }).error).toMatch(/EXECABORT/);
    expect(await direct.get(k)).toBeNull();
  });

  it("runs EVAL with keys and args", async () => {
    const k = key("eval");
    const reply = await direct.eval<[string], unknown>(
      "redis.call('SET', KEYS[1], ARGV[1]); return {KEYS[1], redis.call('GET', KEYS[1]), 42}",
      [k],
      ["lua-value"],
    );
    expect(reply).toEqual([k, "lua-value", 42]);
  });

  it("surfaces Redis errors as client errors", async () => {
    const k = key("wrongtype");
    await direct.set(k, "not a number");
    await expect(direct.incr(k)).rejects.toThrow(/not an integer/);
    await expect(direct.exec(["NOSUCHCOMMAND"])).rejects.toThrow(/unknown command/i);
    await expect(direct.exec(["FLUSHALL"])).rejects.toThrow(/not supported by the Upstash bridge/);
  });

  it("enforces the bearer token", async () => {
    const wrong = new Redis({
      url: bridge.url,
      token: "wrong-token",
      retry: false,
      enableAutoPipelining: false,
    });
    await expect(wrong.get(key("auth"))).rejects.toThrow(/Unauthorized/);
    const res = await fetch(bridge.url, { method: "POST", body: JSON.stringify(["PING"]) });
    expect(res.status).toBe(401);
    const good = await fetch(bridge.url, {
      method: "POST",
      headers: { authorization: `Bearer ${bridge.token}` },
      body: JSON.stringify(["PING"]),
    });
    expect(await good.json()).toEqual({ result: "PONG" });
  });

  it("round-trips unicode through base64 and plain JSON encodings", async () => {
    const k = key("unicode");
    const value = 'grüße 🚀 日本語 "quoted" \\ back';
    await direct.set(k, value);
    expect(await direct.get(k)).toBe(value);
    const plain = new Redis({
      url: bridge.url,
      token: bridge.token,
      retry: false,
      responseEncoding: false,
      enableAutoPipelining: false,
    });
    expect(await plain.get(k)).toBe(value);
    const [stored] = await raw.send([["GET", k]]);
    expect((stored as Buffer).toString("utf8")).toBe(value);
  });

  it("base64-encodes binary values byte for byte", async () => {
    const k = key("binary");
    const bytes = Buffer.from([0x00, 0xff, 0x80, 0x0d, 0x0a, 0x7f, 0xc3]);
    await raw.send([["SET", k, bytes]]);
    const res = await fetch(bridge.url, {
      method: "POST",
      headers: { authorization: `Bearer ${bridge.token}`, "upstash-encoding": "base64" },
      body: JSON.stringify(["GET", k]),
    });
    const body = (await res.json()) as { result: string };
    expect(Buffer.from(body.result, "base64")).toEqual(bytes);
  });
});
