/**
 * Outbound webhooks go through QStash, which stores, signs, delays and retries
 * them, so a Worker request never waits on a slow receiver. The control plane
 * depends only on `WebhookPublisher`; tests may substitute any implementation.
 * Works on Workers and Node (no Node built-ins).
 */
import { Client, Receiver } from "@upstash/qstash";
import { AppError, isAppError } from "../errors.ts";

export interface WebhookMessage {
  url: string;
  /** Already serialized; sent byte for byte and covered by the signature. */
  body: string;
  /** Delivered to the receiver as-is (QStash forwards them). */
  headers?: Record<string, string>;
  /** Retries after the first attempt; QStash's default is 3. */
  retries?: number;
  delaySeconds?: number;
  /** Publishing twice with the same id delivers once. */
  deduplicationId?: string;
}

export interface WebhookPublisher {
  publish(message: WebhookMessage): Promise<{ messageId: string }>;
}

export interface QStashConfig {
  token: string;
  /** Default https://qstash.upstash.io; a local stand-in in tests. */
  baseUrl?: string;
}

export class QStashPublisher implements WebhookPublisher {
  readonly #client: Pick<Client, "publish">;

  constructor(clientOrConfig: Pick<Client, "publish"> | QStashConfig) {
    this.#client =
      "publish" in clientOrConfig
        ? clientOrConfig
        : // devMode false: never let QSTASH_DEV in the environment redirect production traffic.
          new Client({ token: clientOrConfig.token, baseUrl: clientOrConfig.baseUrl, devMode: false });
  }

  async publish(message: WebhookMessage): Promise<{ messageId: string }> {
    try {
      const response = await this.#client.publish({
        url: message.url,
        body: message.body,
        headers: message.headers,
        retries: message.retries,
        delay: message.delaySeconds,
        deduplicationId: message.deduplicationId,
      });
      return { messageId: response.messageId };
    } catch (err) {
      if (isAppError(err)) throw err;
      throw new AppError("dependency_unavailable", "publishing the webhook to QStash failed", undefined, {
        cause: err,
      });
    }
  }
}

export interface SigningKeys {
  currentSigningKey: string;
  nextSigningKey: string;
}

/**
 * Checks an inbound `Upstash-Signature` (both keys, so key rotation works).
 * Resolves false for a bad signature instead of throwing.
 */
export function qstashSignatureVerifier(keys: SigningKeys) {
  const receiver = new Receiver({ ...keys, devMode: false });
  return async (input: { signature: string; body: string; url?: string }): Promise<boolean> => {
    try {
      return await receiver.verify(input);
    } catch {
      return false;
    }
  };
}
