/**
 * The in-process sender against a real local receiver that verifies with
 * @upstash/qstash's Receiver: its signature is QStash's (the receiver cannot
 * tell them apart), it covers the exact body and URL, the next key verifies
 * during a rotation, and a receiver's refusal or absence is an error the
 * dispatcher can retry.
 */
import net from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { InProcessSender } from "../../../../../functions/lib/webhooks/in-process-sender.ts";
import { qstashSignatureVerifier } from "../../../../../functions/lib/webhooks/qstash.ts";
import { generateSigningKey, signDelivery } from "../../../../../functions/lib/webhooks/signature.ts";
import { closedPort } from "../../../../support/closed-port.ts";
import { startWebhookReceiver, type WebhookReceiver } from "../../../../support/webhook-receiver.ts";

describe("in-process webhook sender", () => {
  const currentSigningKey = generateSigningKey();
  const nextSigningKey = generateSigningKey();
  let receiver: WebhookReceiver;

  beforeAll(async () => {
    receiver = await startWebhookReceiver({ currentSigningKey, nextSigningKey });
  });
  afterAll(() => receiver?.close());

  const lastAt = (path: string) => receiver.received.filter((r) => r.path === path).at(-1)!;

  it("POSTs the body byte for byte with a signature Receiver.verify accepts", async () => {
    const sender = new InProcessSender({ signingKey: currentSigningKey });
    const body = JSON.stringify({ id: "d-1", note: "größer 🚀", n: 3 });
    const { messageId } = await sender.publish({
      url: receiver.url("/hooks/ok?tenant=a"),
      body,
      headers: { "Content-Type": "application/json", "Ksp-Delivery-Id": "d-1" },
    });
    const got = lastAt("/hooks/ok?tenant=a");
    expect(got).toMatchObject({ method: "POST", body, verified: true });
    expect(got.headers["ksp-delivery-id"]).toBe("d-1");
    expect(got.headers["content-type"]).toBe("application/json");
    expect(got.headers["upstash-message-id"]).toBe(messageId);
  });

  it("signs with what a receiver holds as its next key during a rotation", async () => {
    const sender = new InProcessSender({ signingKey: nextSigningKey });
    await sender.publish({ url: receiver.url("/hooks/rotated"), body: "{}" });
    expect(lastAt("/hooks/rotated").verified).toBe(true);
  });

  it("is refused by a receiver holding other keys", async () => {
    const sender = new InProcessSender({ signingKey: generateSigningKey() });
    await expect(sender.publish({ url: receiver.url("/hooks/foreign"), body: "{}" })).rejects.toThrow(
      "the webhook receiver answered 401",
    );
    expect(lastAt("/hooks/foreign").verified).toBe(false);
  });

  it("binds the signature to the body, the URL and the time", async () => {
    const verify = qstashSignatureVerifier({ currentSigningKey, nextSigningKey });
    const url = "https://hooks.example/v1/hooks/maintenance-complete";
    const nowMs = Date.now();
    const signature = await signDelivery({ signingKey: currentSigningKey, url, body: '{"a":1}', nowMs });
    expect(await verify({ signature, body: '{"a":1}', url })).toBe(true);
    expect(await verify({ signature, body: '{"a":2}', url })).toBe(false);
    expect(await verify({ signature, body: '{"a":1}', url: `${url}?x=1` })).toBe(false);
    const stale = await signDelivery({
      signingKey: currentSigningKey,
      url,
      body: "{}",
      nowMs: nowMs - 10 * 60_000,
    });
    expect(await verify({ signature: stale, body: "{}", url })).toBe(false);
  });

  it("reports a receiver's error status and an unreachable receiver as failures", async () => {
    const sender = new InProcessSender({ signingKey: currentSigningKey });
    receiver.answer("/hooks/busy", [503]);
    await expect(sender.publish({ url: receiver.url("/hooks/busy"), body: "{}" })).rejects.toMatchObject({
      code: "dependency_unavailable",
      message: "the webhook receiver answered 503",
    });
    const port = await closedPort();
    await expect(sender.publish({ url: `http://127.0.0.1:${port}/x`, body: "{}" })).rejects.toThrow(
      /could not be reached/,
    );
  });

  it("gives up on a receiver that does not answer in time", async () => {
    const sender = new InProcessSender({ signingKey: currentSigningKey, timeoutMs: 200 });
    const sockets = new Set<net.Socket>();
    const silent = net.createServer((socket) => void sockets.add(socket)); // accepts, never answers
    await new Promise<void>((resolve) => silent.listen(0, "127.0.0.1", resolve));
    try {
      const { port } = silent.address() as net.AddressInfo;
      await expect(sender.publish({ url: `http://127.0.0.1:${port}/x`, body: "{}" })).rejects.toThrow(
        /could not be reached/,
      );
    } finally {
      for (const socket of sockets) socket.destroy();
      await new Promise((resolve) => silent.close(resolve));
    }
  });
});
