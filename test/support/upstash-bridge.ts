/**
 * An Upstash-REST-compatible HTTP server in front of a REAL Redis, so that
 * `@upstash/redis` can be tested without Upstash. It speaks what the client
 * speaks (see node_modules/@upstash/redis, pkg/http.ts and pkg/pipeline.ts):
 *   POST /            body ["SET","k","v"]            -> {result} | 400 {error}
 *   POST /pipeline    body [["GET","k"],["INCR","n"]] -> [{result}|{error}, ...]
 *   POST /multi-exec  same body, run inside MULTI/EXEC -> [{result}|{error}, ...]
 * with `Authorization: Bearer <token>` (401 otherwise) and, when the client
 * sends `Upstash-Encoding: base64` (its default), every string in a result
 * base64-encoded except the status "OK".
 * Tests isolate themselves with distinct key names or a `db` per bridge; the
 * bridge never rewrites keys, so what reaches Redis is exactly what was sent.
 */
import { randomBytes } from "node:crypto";
import http from "node:http";
import type { AddressInfo } from "node:net";
import { requireService, tcpReachable } from "./services.ts";
import { RespConnection, RespError, type RespReply } from "./upstash-bridge/resp.ts";
import { recordUsage } from "./usage.ts";

export const DEFAULT_REDIS_URL = "redis://127.0.0.1:6379";

export interface UpstashBridge {
  url: string;
  token: string;
  /** what clients asked of Redis through this bridge so far (the fleet bench prices it) */
  stats(): BridgeStats;
  close(): Promise<void>;
}

/**
 * Upstash bills per command, and a pipeline or transaction is billed per command in it; so
 * `commands` counts every command a client sent (refused ones too: Upstash would bill them),
 * while `httpRequests` counts the REST round trips that carried them. Only authorized,
 * well-formed requests count. MULTI/EXEC around a transaction are the bridge's, not the client's.
 */
export interface BridgeStats {
  httpRequests: number;
  commands: number;
  /** by upper-cased command name, e.g. { GET: 3, EVALSHA: 1 } */
  byCommand: Record<string, number>;
}

export interface UpstashBridgeOptions {
  /** redis://host:port[/db]; default redis://127.0.0.1:6379 (db 0). */
  redisUrl?: string;
  /** Bearer token clients must present; random by default. */
  token?: string;
}

/** Gate for integration suites: `const ok = await redisAvailable(); describe.skipIf(!ok)(...)`. */
export function redisAvailable(redisUrl = DEFAULT_REDIS_URL): Promise<boolean> {
  const { host, port } = parseRedisUrl(redisUrl);
  return requireService("redis", () => tcpReachable(host, port), `${host}:${port}`);
}

// Connection-scoped or blocking commands would break the shared pipelined
// connection; FLUSHALL/FLUSHDB would wipe data of suites running in parallel.
const REFUSED = new Set(
  "SELECT MULTI EXEC DISCARD WATCH UNWATCH QUIT RESET AUTH HELLO CLIENT MONITOR SYNC PSYNC SHUTDOWN DEBUG WAIT FLUSHALL FLUSHDB SUBSCRIBE PSUBSCRIBE SSUBSCRIBE UNSUBSCRIBE PUNSUBSCRIBE SUNSUBSCRIBE BLPOP BRPOP BLMOVE BRPOPLPUSH BLMPOP BZPOPMIN BZPOPMAX BZMPOP".split(
    " ",
  ),
);

type Args = string[];
type Item = { result: unknown } | { error: string };

class BadRequest extends Error {}

function parseRedisUrl(redisUrl: string): { host: string; port: number; db: number } {
  const u = new URL(redisUrl);
  const db = u.pathname.length > 1 ? Number(u.pathname.slice(1)) : 0;
  return { host: u.hostname || "127.0.0.1", port: Number(u.port || 6379), db };
}

function toArgs(raw: unknown): Args {
  if (!Array.isArray(raw) || raw.length === 0) throw new BadRequest("ERR command must be a non-empty array");
  return raw.map((arg) => {
    if (typeof arg === "string") return arg;
    if (typeof arg === "number" || typeof arg === "boolean") return String(arg);
    throw new BadRequest(`ERR invalid command argument ${JSON.stringify(arg)}`);
  });
}

function refusal(args: Args): string | undefined {
  const name = (args[0] ?? "").toUpperCase();
  return REFUSED.has(name) ? `ERR command '${name}' is not supported by the Upstash bridge` : undefined;
}

function encodeReply(reply: RespReply, base64: boolean): unknown {
  if (reply === null || typeof reply === "number") return reply;
  if (Buffer.isBuffer(reply)) return reply.toString(base64 ? "base64" : "utf8");
  if (typeof reply === "string")
    return base64 && reply !== "OK" ? Buffer.from(reply).toString("base64") : reply;
  if (reply instanceof RespError) return reply.message;
  return reply.map((r) => encodeReply(r, base64));
}

function toItem(reply: RespReply, base64: boolean): Item {
  return reply instanceof RespError ? { error: reply.message } : { result: encodeReply(reply, base64) };
}

export async function startUpstashBridge(options: UpstashBridgeOptions = {}): Promise<UpstashBridge> {
  const { host, port, db } = parseRedisUrl(options.redisUrl ?? DEFAULT_REDIS_URL);
  const token = options.token ?? randomBytes(24).toString("base64url");
  let connecting: Promise<RespConnection> | undefined;
  let live: RespConnection | undefined;
  const counted: BridgeStats = { httpRequests: 0, commands: 0, byCommand: {} };
  const count = (commands: Args[]) => {
    counted.httpRequests++;
    for (const args of commands) {
      const name = (args[0] ?? "").toUpperCase();
      counted.commands++;
      counted.byCommand[name] = (counted.byCommand[name] ?? 0) + 1;
    }
  };

  // One shared connection, re-established after it breaks (e.g. Redis restarted).
  const redis = (): Promise<RespConnection> => {
    if (connecting && !live?.broken) return connecting;
    live?.close();
    live = undefined;
    connecting = RespConnection.connect(host, port).then(
      async (conn) => {
        live = conn;
        if (db !== 0) {
          const [reply] = await conn.send([["SELECT", String(db)]]);
          if (reply instanceof RespError) throw reply;
        }
        return conn;
      },
      (err: unknown) => {
        connecting = undefined;
        throw err;
      },
    );
    return connecting;
  };
  await redis(); // fail fast when Redis is down

  async function single(body: unknown, base64: boolean): Promise<[number, unknown]> {
    const args = toArgs(body);
    count([args]);
    const refused = refusal(args);
    if (refused) return [400, { error: refused }];
    const [reply] = await (await redis()).send([args]);
    const item = toItem(reply ?? null, base64);
    return "error" in item ? [400, item] : [200, item];
  }

  async function pipeline(body: unknown, base64: boolean): Promise<[number, unknown]> {
    if (!Array.isArray(body) || body.length === 0)
      throw new BadRequest("ERR pipeline must be a non-empty array");
    const commands = body.map(toArgs);
    count(commands);
    const sendable = commands.filter((args) => !refusal(args));
    const replies = sendable.length > 0 ? await (await redis()).send(sendable) : [];
    let next = 0;
    const items = commands.map((args): Item => {
      const refused = refusal(args);
      return refused ? { error: refused } : toItem(replies[next++] ?? null, base64);
    });
    return [200, items];
  }

  async function multiExec(body: unknown, base64: boolean): Promise<[number, unknown]> {
    if (!Array.isArray(body) || body.length === 0)
      throw new BadRequest("ERR transaction must be a non-empty array");
    const commands = body.map(toArgs);
    count(commands);
    const refused = commands.map(refusal).find(Boolean);
    if (refused) return [400, { error: refused }];
    const replies = await (await redis()).send([["MULTI"], ...commands, ["EXEC"]]);
    const exec = replies[replies.length - 1] ?? null;
    // EXECABORT (a command failed to queue): nothing ran, the whole request fails.
    if (exec instanceof RespError) return [400, { error: exec.message }];
    if (!Array.isArray(exec)) return [400, { error: "ERR transaction discarded" }];
    return [200, exec.map((reply) => toItem(reply, base64))];
  }

  const routes: Record<string, typeof single> = {
    "/": single,
    "/pipeline": pipeline,
    "/multi-exec": multiExec,
  };

  const server = http.createServer(async (req, res) => {
    const reply = (status: number, payload: unknown) => {
      res.writeHead(status, { "content-type": "application/json" });
      res.end(JSON.stringify(payload));
    };
    try {
      const chunks: Buffer[] = [];
      for await (const chunk of req) chunks.push(chunk as Buffer);
      if (req.headers.authorization !== `Bearer ${token}`) return reply(401, { error: "Unauthorized" });
      const route = routes[new URL(req.url ?? "/", "http://bridge").pathname];
      if (!route) return reply(404, { error: `ERR unknown endpoint ${req.url}` });
      if (req.method !== "POST") return reply(405, { error: "ERR only POST is supported by the bridge" });
      let body: unknown;
      try {
        body = JSON.parse(Buffer.concat(chunks).toString("utf8"));
      } catch {
        return reply(400, { error: "ERR failed to parse command" });
      }
      const base64 = String(req.headers["upstash-encoding"] ?? "").toLowerCase() === "base64";
      const [status, payload] = await route(body, base64);
      reply(status, payload);
    } catch (err) {
      if (err instanceof BadRequest) return reply(400, { error: err.message });
      reply(500, { error: `ERR bridge failure: ${(err as Error).message}` });
    }
  });

  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port: httpPort } = server.address() as AddressInfo;
  recordUsage("stand-in", "upstash-rest-bridge");

  return {
    url: `http://127.0.0.1:${httpPort}`,
    token,
    stats: () => ({ ...counted, byCommand: { ...counted.byCommand } }),
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await connecting?.catch(() => undefined);
      live?.close();
    },
  };
}
