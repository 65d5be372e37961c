import http from "node:http";
import type { AddressInfo } from "node:net";
import { Client, Receiver } from "@upstash/qstash";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { QStashPublisher, qstashSignatureVerifier } from "../../../functions/lib/webhooks/qstash.ts";
import { closedPort } from "../../support/closed-port.ts";
import { parseDelayMs, type QStashStandin, startQStashStandin } from "../../support/qstash-standin.ts";
import { recordUsage } from "../../support/usage.ts";

interface Received {
  path: string;
  method: string;
  headers: http.IncomingHttpHeaders;
  body: string;
}

/** A webhook receiver whose answers are scripted per path (default 200). */
async function startReceiver() {
  const received: Received[] = [];
  const scripts = new Map<string, number[]>();
  const server = http.createServer(async (req, res) => {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const path = req.url ?? "/";
    received.push({
      path,
      method: req.method ?? "",
      headers: req.headers,
      body: Buffer.concat(chunks).toString(),
    });
    res.writeHead(scripts.get(path)?.shift() ?? 200).end("ok");
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    base,
    received,
    answer: (path: string, statuses: number[]) => scripts.set(path, statuses),
    close: () => {
      server.closeAllConnections();
      return new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

describe("QStash stand-in", () => {
  let qstash: QStashStandin;
  let receiver: Awaited<ReturnType<typeof startReceiver>>;
  let client: Client;
  let verifier: Receiver;

  beforeAll(async () => {
    qstash = await startQStashStandin({ retryBaseMs: 100 });
    receiver = await startReceiver();
    client = new Client({ baseUrl: qstash.url, token: qstash.token, devMode: false, retry: false });
    verifier = new Receiver({
      currentSigningKey: qstash.currentSigningKey,
      nextSigningKey: qstash.nextSigningKey,
      devMode: false,
    });
    recordUsage("client", "@upstash/qstash");
  });

  afterAll(async () => {
    await qstash?.close();
    await receiver?.close();
  });

  const deliveriesOf = (messageId: string) => qstash.deliveries.filter((d) => d.messageId === messageId);
  const receivedAt = (path: string) => receiver.received.filter((r) => r.path === path);

  it("delivers a published JSON message with a signature Receiver.verify accepts", async () => {
    const url = `${receiver.base}/hooks/json`;
    const { messageId } = await client.publishJSON({
      url,
      body: { event: "pool.scaled", machines: 3, note: "größer 🚀" },
      headers: { "X-Ksp-Event": "pool.scaled" },
    });
    expect(messageId).toMatch(/^msg_/);
    await qstash.waitForDeliveries(1);
    const [got] = receivedAt("/hooks/json");
    expect(got?.method).toBe("POST");
    expect(got?.headers["content-type"]).toBe("application/json");
    expect(got?.headers["x-ksp-event"]).toBe("pool.scaled");
    expect(got?.headers["upstash-message-id"]).toBe(messageId);
    expect(JSON.parse(got!.body)).toEqual({ event: "pool.scaled", machines: 3, note: "größer 🚀" });
    const signature = String(got?.headers["upstash-signature"]);
    await expect(verifier.verify({ signature, body: got!.body, url })).resolves.toBe(true);
  });

  it("produces signatures that fail for a tampered body, another URL or the wrong keys", async () => {
    const url = `${receiver.base}/hooks/tamper`;
    await client.publish({ url, body: "original" });
    await waitUntil(() => receivedAt("/hooks/tamper").length === 1);
    const got = receivedAt("/hooks/tamper")[0]!;
    const signature = String(got.headers["upstash-signature"]);
    await expect(verifier.verify({ signature, body: "original", url })).resolves.toBe(true);
    await expect(verifier.verify({ signature, body: "originaL", url })).rejects.toThrow(/body hash/);
    await expect(verifier.verify({ signature, body: "original", url: `${url}x` })).rejects.toThrow(/subject/);
    const stranger = new Receiver({ currentSigningKey: "sig_a", nextSigningKey: "sig_b", devMode: false });
    await expect(stranger.verify({ signature, body: "original", url })).rejects.toThrow(/signature/i);
  });

  it("retries a failing receiver with growing delays until it answers 2xx", async () => {
    const path = "/hooks/flaky";
    receiver.answer(path, [500, 500, 200]);
    const { messageId } = await client.publish({
      url: `${receiver.base}${path}`,
      body: "retry me",
      retries: 3,
    });
    await waitUntil(() => deliveriesOf(messageId).length === 3);
    await new Promise((r) => setTimeout(r, 500)); // no fourth attempt after the 200
    const attempts = deliveriesOf(messageId);
    expect(attempts.map((a) => a.status)).toEqual([500, 500, 200]);
    expect(attempts.map((a) => a.headers["upstash-retried"])).toEqual(["0", "1", "2"]);
    const [a1, a2, a3] = attempts.map((a) => a.startedAt) as [number, number, number];
    expect(a2 - a1).toBeGreaterThanOrEqual(95);
    // lower bounds only: the backoff doubles (100 ms, then 200 ms); a busy machine may add to either gap
    expect(a3 - a2).toBeGreaterThanOrEqual(195);
    expect(receivedAt(path).map((r) => r.body)).toEqual(["retry me", "retry me", "retry me"]);
  });

  it("gives up after the retry count and dead-letters the message", async () => {
    const path = "/hooks/down";
    receiver.answer(path, [503, 503, 503, 503]);
    const { messageId } = await client.publish({ url: `${receiver.base}${path}`, body: "x", retries: 1 });
    await waitUntil(() => qstash.deadLetters.includes(messageId));
    expect(deliveriesOf(messageId).map((a) => a.status)).toEqual([503, 503]);
  });

  it("honours Upstash-Method, Upstash-Delay and deduplication ids", async () => {
    const path = "/hooks/delayed";
    const started = Date.now();
    const first = await client.publish({
      url: `${receiver.base}${path}`,
      body: "later",
      method: "PUT",
      delay: 1,
      deduplicationId: "dedup-1",
    });
    const second = await client.publish({
      url: `${receiver.base}${path}`,
      body: "later",
      deduplicationId: "dedup-1",
    });
    expect(second.messageId).toBe(first.messageId);
    // the stand-in records an attempt once the receiver has answered, so wait for both sides
    await waitUntil(() => receivedAt(path).length === 1 && deliveriesOf(first.messageId).length === 1);
    expect(receivedAt(path)[0]?.method).toBe("PUT");
    expect(deliveriesOf(first.messageId)[0]!.startedAt - started).toBeGreaterThanOrEqual(950);
    await new Promise((r) => setTimeout(r, 200));
    expect(receivedAt(path)).toHaveLength(1);
    expect(parseDelayMs("1m30s")).toBe(90_000);
    expect(() => parseDelayMs("soon")).toThrow(/invalid duration/);
  });

  it("rejects publishers without the token", async () => {
    const intruder = new Client({ baseUrl: qstash.url, token: "wrong", devMode: false, retry: false });
    await expect(intruder.publish({ url: `${receiver.base}/hooks/never`, body: "x" })).rejects.toThrow(
      /Unauthorized/,
    );
  });

  it("works end to end with the control plane's QStashPublisher and verifier", async () => {
    const publisher = new QStashPublisher({ baseUrl: qstash.url, token: qstash.token });
    const verify = qstashSignatureVerifier(qstash);
    const url = `${receiver.base}/hooks/publisher`;
    const body = JSON.stringify({ event: "machine.ready" });
    await publisher.publish({ url, body, headers: { "content-type": "application/json", "x-ksp-id": "42" } });
    await waitUntil(() => receivedAt("/hooks/publisher").length === 1);
    const got = receivedAt("/hooks/publisher")[0]!;
    expect(got.headers["x-ksp-id"]).toBe("42");
    const signature = String(got.headers["upstash-signature"]);
    expect(await verify({ signature, body: got.body, url })).toBe(true);
    expect(await verify({ signature, body: `${got.body} `, url })).toBe(false);
    const offline = new QStashPublisher(
      new Client({
        baseUrl: `http://127.0.0.1:${await closedPort()}`,
        token: "t",
        devMode: false,
        retry: false,
      }),
    );
    await expect(offline.publish({ url, body })).rejects.toMatchObject({ code: "dependency_unavailable" });
  });
});

async function waitUntil(condition: () => boolean, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error("condition not met in time");
    await new Promise((r) => setTimeout(r, 10));
  }
}
