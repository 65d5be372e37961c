/**
 * Sends the outbox: claims due `pending` notifications, hands each to the
 * transport, and records every attempt on its row (attempts, status,
 * last_error, transport_message_id, sent_at).
 *
 * A claim is one guarded UPDATE over `FOR UPDATE SKIP LOCKED` rows that counts
 * the attempt and pushes `next_attempt_at` a lease ahead, so two dispatchers
 * (two replicas, two Workers) never take the same row, and a dispatcher that
 * dies mid-send leaves its rows due again once the lease lapses (delivered at
 * least once; receivers deduplicate by Ksp-Delivery-Id). Sending happens
 * outside any transaction: no row lock waits on a slow receiver.
 *
 * A failed attempt is retried with exponential backoff until `maxAttempts`,
 * then the row is `failed` with the last error. With QStash a successful
 * publish is final (`sent`): QStash retries the delivery itself. A row that
 * nothing can send (no transport, email without an adapter) fails at once.
 */
import { and, asc, eq, inArray, lte, sql } from "drizzle-orm";
import type { Db } from "../../../drizzle/client.ts";
import { type Notification, notifications } from "../../../drizzle/schema/index.ts";
import type { WebhookMessage } from "../../lib/webhooks/qstash.ts";
import { NO_WEBHOOK_TRANSPORT, type WebhookTransport } from "../../lib/webhooks/transport.ts";
import type { ServiceCall, ServiceContext } from "../context.ts";
import { EMAIL_NEEDS_ADAPTER, emailMessage, webhookMessage } from "./notification-messages.ts";

export interface DispatchOptions {
  transport: WebhookTransport;
  /** rows claimed (and sent concurrently) at a time */
  batchSize?: number;
  /** batches per run at most, so one run stays bounded however full the outbox */
  maxBatches?: number;
  /** attempts before a row is `failed` */
  maxAttempts?: number;
  /** first retry delay; doubles with each attempt, up to maxBackoffMs */
  backoffBaseMs?: number;
  maxBackoffMs?: number;
  /** how long a claimed row is someone's; longer than a send can take */
  leaseMs?: number;
}

type Options = Required<Omit<DispatchOptions, "transport">>;

export const DISPATCH_DEFAULTS: Readonly<Options> = {
  batchSize: 25,
  maxBatches: 10,
  maxAttempts: 5,
  backoffBaseMs: 30_000,
  maxBackoffMs: 60 * 60_000,
  leaseMs: 2 * 60_000,
};

export interface DispatchResult {
  sent: number;
  retrying: number;
  failed: number;
}

/** The wait before attempt n+1 after n failed ones: base, 2·base, 4·base, … capped. */
export function backoffMs(failedAttempts: number, baseMs: number, maxMs: number): number {
  return Math.min(maxMs, baseMs * 2 ** Math.max(0, failedAttempts - 1));
}

export async function sendDueNotifications({
  ctx,
  input,
}: ServiceCall<DispatchOptions>): Promise<DispatchResult> {
  const { transport, ...overrides } = input;
  const options: Options = { ...DISPATCH_DEFAULTS, ...definedOnly(overrides) };
  const result: DispatchResult = { sent: 0, retrying: 0, failed: 0 };
  for (let batch = 0; batch < options.maxBatches; batch++) {
    const claimed = await claimDue(ctx.db, ctx.clock.now(), options);
    const outcomes = await Promise.all(claimed.map((row) => attempt(ctx, row, transport, options)));
    for (const outcome of outcomes) result[outcome]++;
    if (claimed.length < options.batchSize) break;
  }
  return result;
}

function definedOnly<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>;
}

async function claimDue(db: Db, now: Date, options: Options) {
  const due = db
    .select({ id: notifications.id })
    .from(notifications)
    .where(and(eq(notifications.status, "pending"), lte(notifications.nextAttemptAt, now)))
    .orderBy(asc(notifications.nextAttemptAt), asc(notifications.id))
    .limit(options.batchSize)
    .for("update", { skipLocked: true });
  return (
    db
      .update(notifications)
      .set({
        attempts: sql`${notifications.attempts} + 1`,
        nextAttemptAt: new Date(now.getTime() + options.leaseMs),
        updatedAt: now,
      })
      // the outer guard again: a row another dispatcher claimed meanwhile is no longer due
      .where(
        and(
          inArray(notifications.id, due),
          eq(notifications.status, "pending"),
          lte(notifications.nextAttemptAt, now),
        ),
      )
      .returning()
  );
}

type Outcome = keyof DispatchResult;
type Changes = Partial<typeof notifications.$inferInsert>;

async function attempt(
  ctx: ServiceContext,
  row: Notification,
  transport: WebhookTransport,
  options: Options,
) {
  const { publisher } = transport;
  const message = publisher ? messageFor(row, transport.emailWebhookUrl) : NO_WEBHOOK_TRANSPORT;
  if (!publisher || typeof message === "string") {
    return record(ctx, row, "failed", {
      status: "failed",
      lastError: message as string,
      nextAttemptAt: null,
    });
  }
  try {
    const { messageId } = await publisher.publish(message);
    const sent: Changes = { status: "sent", sentAt: ctx.clock.now(), transportMessageId: messageId };
    return record(ctx, row, "sent", { ...sent, lastError: null, nextAttemptAt: null });
  } catch (err) {
    const lastError = err instanceof Error ? err.message : String(err);
    ctx.logger.warn("notification attempt failed", {
      notificationId: row.id,
      deliveryId: row.deliveryId,
      attempt: row.attempts,
      error: lastError,
    });
    if (row.attempts >= options.maxAttempts) {
      return record(ctx, row, "failed", { status: "failed", lastError, nextAttemptAt: null });
    }
    const wait = backoffMs(row.attempts, options.backoffBaseMs, options.maxBackoffMs);
    return record(ctx, row, "retrying", {
      lastError,
      nextAttemptAt: new Date(ctx.clock.now().getTime() + wait),
    });
  }
}

/** The message to publish, or why this row cannot be sent at all. */
function messageFor(row: Notification, emailWebhookUrl: string | undefined): WebhookMessage | string {
  if (row.channel === "webhook") return webhookMessage(row);
  return emailWebhookUrl ? emailMessage(row, emailWebhookUrl) : EMAIL_NEEDS_ADAPTER;
}

/** Records the attempt's outcome, guarded by the claim (still pending, same attempt count). */
async function record(ctx: ServiceContext, row: Notification, outcome: Outcome, changes: Changes) {
  const updated = await ctx.db
    .update(notifications)
    .set({ ...changes, updatedAt: ctx.clock.now() })
    .where(
      and(
        eq(notifications.id, row.id),
        eq(notifications.status, "pending"),
        eq(notifications.attempts, row.attempts),
      ),
    )
    .returning({ id: notifications.id });
  if (updated.length === 0) {
    // our lease lapsed and another dispatcher took the row: its record of the attempt stands
    ctx.logger.warn("notification changed during its attempt; outcome not recorded", {
      notificationId: row.id,
      outcome,
    });
  }
  return outcome;
}
