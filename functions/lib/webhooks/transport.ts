/**
 * How this install sends webhooks and checks inbound ones, chosen once per
 * entry point from the environment:
 *   - QSTASH_TOKEN set: QStash publishes, signs, delays and retries deliveries;
 *   - otherwise a signing key (QSTASH_CURRENT_SIGNING_KEY, or on an embedded
 *     install one generated into the data dir): the in-process sender, which
 *     signs the same way; the notification dispatcher retries it;
 *   - neither: nothing can be sent; notifications fail with a message saying so.
 * Inbound hooks verify `Upstash-Signature` with the same keys either way.
 */
import { InProcessSender } from "./in-process-sender.ts";
import { QStashPublisher, type SigningKeys, type WebhookPublisher } from "./qstash.ts";

export interface WebhookTransport {
  /** undefined: neither QStash nor a signing key is configured */
  publisher: WebhookPublisher | undefined;
  /** what sends: for logs and for the dispatcher's retries (QStash retries deliveries itself) */
  kind: "qstash" | "in-process" | "none";
  /** where email notifications are POSTed (an adapter that sends the mail) */
  emailWebhookUrl: string | undefined;
  /** the keys inbound hooks verify with; undefined refuses every signed hook */
  signingKeys: SigningKeys | undefined;
}

export interface WebhookSettings {
  qstash: { token: string; baseUrl?: string } | undefined;
  /** QSTASH_CURRENT_SIGNING_KEY (+ NEXT, the current one when unset) */
  signingKeys: SigningKeys | undefined;
  emailWebhookUrl: string | undefined;
}

export const NO_WEBHOOK_TRANSPORT =
  "webhook notifications need QSTASH_TOKEN or QSTASH_CURRENT_SIGNING_KEY (none is configured)";

export function webhookTransport(settings: WebhookSettings): WebhookTransport {
  const { qstash, signingKeys, emailWebhookUrl } = settings;
  if (qstash) {
    return { publisher: new QStashPublisher(qstash), kind: "qstash", emailWebhookUrl, signingKeys };
  }
  if (signingKeys) {
    const publisher = new InProcessSender({ signingKey: signingKeys.currentSigningKey });
    return { publisher, kind: "in-process", emailWebhookUrl, signingKeys };
  }
  return { publisher: undefined, kind: "none", emailWebhookUrl, signingKeys: undefined };
}
