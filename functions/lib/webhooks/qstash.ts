/**
 * Outbound webhooks go through QStash, which stores, signs, delays and retries
 * them, so a Worker request never waits on a slow receiver. The control plane
 * depends only on `WebhookPublisher`; tests may substitute any implementation.
 * Works on Workers and Node (no Node built-ins). The SDK (about 13 MB of a
 * Node process) is loaded on first use, so a control plane that neither
 * publishes through QStash nor receives a hook never pays for it.
 */

type Publisher = Pick<Client, "publish">;

const sdk = () => import("@upstash/qstash");

import type { Client } from "@upstash/qstash";
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
  readonly #clientOrConfig: Publisher | QStashConfig;
  #client: Promise<Publisher> | undefined;

  constructor(clientOrConfig: Publisher | QStashConfig) {
    this.#clientOrConfig = clientOrConfig;
  }

  #clientOnce(): Promise<Publisher> {
    const given = this.#clientOrConfig;
    this.#client ??=
      "publish" in given
        ? Promise.resolve(given)
        : // devMode false: never let QSTASH_DEV in the environment redirect production traffic.
          sdk().then(
            ({ Client }) => new Client({ token: given.token, baseUrl: given.baseUrl, devMode: false }),
          );
    return this.#client;
  }

  async publish(message: WebhookMessage): Promise<{ messageId: string }> {
    try {
      const client = await this.#clientOnce();
      const response = await client.publish({
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
  const receiver = sdk().then(({ Receiver }) => new Receiver({ ...keys, devMode: false }));
  return async (input: { signature: string; body: string; url?: string }): Promise<boolean> => {
    try {
      return await (await receiver).verify(input);
    } catch {
      return false;
    }
  };
}
