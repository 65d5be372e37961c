/**
 * Sends a webhook itself, for installs without QStash (embedded, or a Worker
 * given only a signing key): one signed POST per publish, signed exactly as
 * QStash signs its deliveries (signature.ts), so a receiver verifies both
 * with `@upstash/qstash`'s Receiver and never needs to know which sent it.
 *
 * It does not retry: a failed POST throws, and the caller (the notification
 * dispatcher) retries later with backoff, so a slow receiver never holds a
 * job run for long. `retries`, `delaySeconds` and `deduplicationId` are
 * QStash's business and are ignored here; receivers deduplicate by the
 * delivery id header the dispatcher sets. Runtime-neutral (fetch, WebCrypto).
 */
import { AppError } from "../errors.ts";
import type { WebhookMessage, WebhookPublisher } from "./qstash.ts";
import { signDelivery } from "./signature.ts";

export const DEFAULT_SEND_TIMEOUT_MS = 10_000;

export interface InProcessSenderOptions {
  signingKey: string;
  timeoutMs?: number;
  /** wall-clock milliseconds for the signature: receivers check its times against their own clock */
  nowMs?: () => number;
  fetch?: typeof fetch;
}

export class InProcessSender implements WebhookPublisher {
  readonly #signingKey: string;
  readonly #timeoutMs: number;
  readonly #nowMs: () => number;
  readonly #fetch: typeof fetch;

  constructor(options: InProcessSenderOptions) {
    this.#signingKey = options.signingKey;
    this.#timeoutMs = options.timeoutMs ?? DEFAULT_SEND_TIMEOUT_MS;
    this.#nowMs = options.nowMs ?? Date.now;
    this.#fetch = options.fetch ?? ((input, init) => fetch(input, init));
  }

  async publish(message: WebhookMessage): Promise<{ messageId: string }> {
    const messageId = `msg_${crypto.randomUUID().replace(/-/g, "")}`;
    const signature = await signDelivery({
      signingKey: this.#signingKey,
      url: message.url,
      body: message.body,
      nowMs: this.#nowMs(),
    });
    const headers = new Headers(message.headers);
    if (!headers.has("content-type")) headers.set("content-type", "application/json");
    headers.set("upstash-signature", signature);
    headers.set("upstash-message-id", messageId);
    let response: Response;
    try {
      response = await this.#fetch(message.url, {
        method: "POST",
        headers,
        body: message.body,
        // a redirect would send the body to a URL the signature does not name
        redirect: "manual",
        signal: AbortSignal.timeout(this.#timeoutMs),
      });
    } catch (err) {
      throw new AppError(
        "dependency_unavailable",
        `the webhook receiver could not be reached: ${err instanceof Error ? err.message : String(err)}`,
        undefined,
        { cause: err },
      );
    }
    // the answer's body is not ours to read; release the connection
    await response.body?.cancel().catch(() => undefined);
    if (response.status < 200 || response.status > 299) {
      throw new AppError("dependency_unavailable", `the webhook receiver answered ${response.status}`, {
        status: response.status,
      });
    }
    return { messageId };
  }
}
