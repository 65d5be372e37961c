/**
 * A local stand-in for QStash (the QStash CLI dev server cannot be installed
 * offline). It implements what `@upstash/qstash`'s `Client.publish` /
 * `publishJSON` send (see node_modules/@upstash/qstash, processHeaders):
 *   POST /v2/publish/<destination-url>  -> 200 {"messageId": "..."}
 *   headers: Authorization: Bearer <token>, Content-Type, Upstash-Method,
 *   Upstash-Delay ("10s", "1m30s"), Upstash-Not-Before (unix s),
 *   Upstash-Retries (default 3), Upstash-Deduplication-Id,
 *   Upstash-Forward-<Name> (delivered as <Name>)
 *   GET /v2/keys -> {"current","next"}
 * and delivers each message signed like QStash (qstash/signature.ts), retrying
 * non-2xx answers with exponential backoff: retry k waits retryBaseMs * 2^(k-1).
 * Not implemented: URL groups, queues, batch, callbacks, schedules, Upstash-Retry-Delay.
 */
import { randomBytes } from "node:crypto";
import http from "node:http";
import type { AddressInfo } from "node:net";
import { randomSigningKey, signDelivery } from "./qstash/signature.ts";
import { recordUsage } from "./usage.ts";

export interface DeliveryRecord {
  messageId: string;
  /** 1 for the first try. */
  attempt: number;
  url: string;
  method: string;
  /** Headers as sent to the destination (lower-case names). */
  headers: Record<string, string>;
  body: string;
  startedAt: number;
  /** HTTP status, or null when the destination could not be reached. */
  status: number | null;
  error?: string;
}

export interface QStashStandin {
  url: string;
  token: string;
  currentSigningKey: string;
  nextSigningKey: string;
  deliveries: DeliveryRecord[];
  /** Message ids whose retries ran out (QStash would move them to the DLQ). */
  deadLetters: string[];
  waitForDeliveries(count: number, timeoutMs?: number): Promise<DeliveryRecord[]>;
  close(): Promise<void>;
}

export interface QStashStandinOptions {
  currentSigningKey?: string;
  nextSigningKey?: string;
  /** First retry delay; doubles on each further retry. Default 500 ms. */
  retryBaseMs?: number;
  /** Per-attempt timeout for the destination. Default 15 s. */
  attemptTimeoutMs?: number;
}

interface Message {
  id: string;
  url: string;
  method: string;
  headers: Record<string, string>;
  body: Buffer;
  retries: number;
}

const DURATION_UNITS_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/** Parses QStash durations such as "10s", "1m30s" or "2h"; a bare number means seconds. */
export function parseDelayMs(value: string): number {
  if (/^\d+$/.test(value)) return Number(value) * 1000;
  const parts = [...value.matchAll(/(\d+)(ms|s|m|h|d)/g)];
  if (parts.length === 0 || parts.map((p) => p[0]).join("") !== value) {
    throw new Error(`invalid duration ${JSON.stringify(value)}`);
  }
  return parts.reduce((sum, p) => sum + Number(p[1]) * (DURATION_UNITS_MS[p[2] ?? "s"] ?? 0), 0);
}

function header(req: http.IncomingMessage, name: string): string | undefined {
  const value = req.headers[name];
  return Array.isArray(value) ? value.join(", ") : value;
}

export async function startQStashStandin(options: QStashStandinOptions = {}): Promise<QStashStandin> {
  const token = randomBytes(24).toString("base64url");
  const currentSigningKey = options.currentSigningKey ?? randomSigningKey();
  const nextSigningKey = options.nextSigningKey ?? randomSigningKey();
  const retryBaseMs = options.retryBaseMs ?? 500;
  const attemptTimeoutMs = options.attemptTimeoutMs ?? 15_000;
  const deliveries: DeliveryRecord[] = [];
  const deadLetters: string[] = [];
  const deduplicated = new Map<string, string>();
  const timers = new Set<NodeJS.Timeout>();
  const waiters = new Set<() => void>();
  let closed = false;

  const later = (ms: number, fn: () => void) => {
    const timer = setTimeout(() => {
      timers.delete(timer);
      fn();
    }, ms);
    timers.add(timer);
  };

  async function attempt(message: Message, attemptNo: number): Promise<void> {
    if (closed) return;
    const headers: Record<string, string> = {
      ...message.headers,
      "upstash-signature": signDelivery({
        signingKey: currentSigningKey,
        url: message.url,
        body: message.body,
        nowMs: Date.now(),
      }),
      "upstash-message-id": message.id,
      "upstash-retried": String(attemptNo - 1),
      "user-agent": "Upstash-QStash",
    };
    const record: DeliveryRecord = {
      messageId: message.id,
      attempt: attemptNo,
      url: message.url,
      method: message.method,
      headers,
      body: message.body.toString("utf8"),
      startedAt: Date.now(),
      status: null,
    };
    try {
      const hasBody = message.method !== "GET" && message.method !== "HEAD";
      const res = await fetch(message.url, {
        method: message.method,
        headers,
        body: hasBody ? new Uint8Array(message.body) : undefined,
        signal: AbortSignal.timeout(attemptTimeoutMs),
      });
      record.status = res.status;
      await res.arrayBuffer().catch(() => undefined);
    } catch (err) {
      record.error = (err as Error).message;
    }
    if (closed) return;
    deliveries.push(record);
    for (const wake of waiters) wake();
    const delivered = record.status !== null && record.status >= 200 && record.status < 300;
    if (delivered) return;
    if (attemptNo > message.retries) {
      deadLetters.push(message.id);
      return;
    }
    later(retryBaseMs * 2 ** (attemptNo - 1), () => void attempt(message, attemptNo + 1));
  }

  function publish(req: http.IncomingMessage, body: Buffer): [number, unknown] {
    const destination = (req.url ?? "").slice("/v2/publish/".length);
    if (!/^https?:\/\/[^/]/.test(destination))
      return [400, { error: `invalid destination url: ${destination}` }];
    const dedupId = header(req, "upstash-deduplication-id");
    const seen = dedupId ? deduplicated.get(dedupId) : undefined;
    if (seen) return [200, { messageId: seen, deduplicated: true }];

    let delayMs = 0;
    try {
      const delay = header(req, "upstash-delay");
      if (delay) delayMs = parseDelayMs(delay);
      const notBefore = header(req, "upstash-not-before");
      if (notBefore) delayMs = Math.max(delayMs, Number(notBefore) * 1000 - Date.now());
    } catch (err) {
      return [400, { error: (err as Error).message }];
    }
    const retries = Number(header(req, "upstash-retries") ?? 3);
    if (!Number.isInteger(retries) || retries < 0) return [400, { error: "invalid Upstash-Retries" }];

    const forwarded: Record<string, string> = {};
    for (const name of Object.keys(req.headers)) {
      const value = header(req, name);
      if (value === undefined) continue;
      if (name.startsWith("upstash-forward-")) forwarded[name.slice("upstash-forward-".length)] = value;
      if (name === "content-type") forwarded[name] = value;
    }
    const message: Message = {
      id: `msg_${randomBytes(16).toString("base64url")}`,
      url: destination,
      method: (header(req, "upstash-method") ?? "POST").toUpperCase(),
      headers: forwarded,
      body,
      retries,
    };
    if (dedupId) deduplicated.set(dedupId, message.id);
    later(delayMs, () => void attempt(message, 1));
    return [200, { messageId: message.id }];
  }

  const server = http.createServer(async (req, res) => {
    const reply = (status: number, payload: unknown) => {
      res.writeHead(status, { "content-type": "application/json" });
      res.end(JSON.stringify(payload));
    };
    try {
      const chunks: Buffer[] = [];
      for await (const chunk of req) chunks.push(chunk as Buffer);
      if (req.headers.authorization !== `Bearer ${token}`) return reply(401, { error: "Unauthorized" });
      if (req.method === "POST" && req.url?.startsWith("/v2/publish/")) {
        return reply(...publish(req, Buffer.concat(chunks)));
      }
      if (req.method === "GET" && req.url === "/v2/keys") {
        return reply(200, { current: currentSigningKey, next: nextSigningKey });
      }
      reply(404, { error: `not implemented by the QStash stand-in: ${req.method} ${req.url}` });
    } catch (err) {
      if (!res.headersSent) reply(500, { error: (err as Error).message });
    }
  });

  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  recordUsage("stand-in", "qstash-standin");

  return {
    url: `http://127.0.0.1:${port}`,
    token,
    currentSigningKey,
    nextSigningKey,
    deliveries,
    deadLetters,
    waitForDeliveries(count, timeoutMs = 10_000) {
      return new Promise((resolve, reject) => {
        const check = () => {
          if (deliveries.length < count) return;
          cleanup();
          resolve(deliveries.slice());
        };
        const timer = setTimeout(() => {
          cleanup();
          reject(
            new Error(
              `timed out after ${timeoutMs} ms waiting for ${count} deliveries (${deliveries.length} so far)`,
            ),
          );
        }, timeoutMs);
        const cleanup = () => {
          clearTimeout(timer);
          waiters.delete(check);
        };
        waiters.add(check);
        check();
      });
    },
    async close() {
      closed = true;
      for (const timer of timers) clearTimeout(timer);
      timers.clear();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
