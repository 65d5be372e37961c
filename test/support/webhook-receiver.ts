/**
 * A webhook receiver as a customer would write one: a local HTTP server that
 * checks every request's `Upstash-Signature` with `@upstash/qstash`'s
 * Receiver (over the raw body and the URL it was called at), records it, and
 * answers with scripted statuses per path (default 200; 401 for a bad
 * signature, as a real receiver would).
 */
import http from "node:http";
import type { AddressInfo } from "node:net";
import { Receiver } from "@upstash/qstash";
import { recordUsage } from "./usage.ts";

export interface ReceivedRequest {
  path: string;
  method: string;
  headers: http.IncomingHttpHeaders;
  body: string;
  /** what Receiver.verify said */
  verified: boolean;
  verifyError?: string;
}

export interface WebhookReceiver {
  base: string;
  url(path: string): string;
  received: ReceivedRequest[];
  /** the statuses the next requests to `path` get, in order; then 200 */
  answer(path: string, statuses: number[]): void;
  waitFor(count: number, timeoutMs?: number): Promise<ReceivedRequest[]>;
  close(): Promise<void>;
}

export async function startWebhookReceiver(keys: {
  currentSigningKey: string;
  nextSigningKey: string;
}): Promise<WebhookReceiver> {
  recordUsage("client", "@upstash/qstash");
  const receiver = new Receiver({ ...keys, devMode: false });
  const received: ReceivedRequest[] = [];
  const scripts = new Map<string, number[]>();
  const waiters = new Set<() => void>();
  let base = "";
  const server = http.createServer(async (req, res) => {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const path = req.url ?? "/";
    const body = Buffer.concat(chunks).toString("utf8");
    const signature = req.headers["upstash-signature"];
    let verified = false;
    let verifyError: string | undefined;
    try {
      verified = await receiver.verify({ signature: String(signature ?? ""), body, url: `${base}${path}` });
    } catch (err) {
      verifyError = (err as Error).message;
    }
    received.push({ path, method: req.method ?? "", headers: req.headers, body, verified, verifyError });
    for (const wake of waiters) wake();
    res.writeHead(verified ? (scripts.get(path)?.shift() ?? 200) : 401).end();
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    base,
    url: (path) => `${base}${path}`,
    received,
    answer: (path, statuses) => void scripts.set(path, [...statuses]),
    waitFor(count, timeoutMs = 10_000) {
      return new Promise((resolve, reject) => {
        const check = () => {
          if (received.length < count) return;
          cleanup();
          resolve(received.slice());
        };
        const timer = setTimeout(() => {
          cleanup();
          reject(new Error(`timed out waiting for ${count} requests (${received.length} so far)`));
        }, timeoutMs);
        const cleanup = () => {
          clearTimeout(timer);
          waiters.delete(check);
        };
        waiters.add(check);
        check();
      });
    },
    close() {
      server.closeAllConnections();
      return new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
