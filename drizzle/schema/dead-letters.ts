import { sql } from "drizzle-orm";
import { check, index, integer, jsonb, pgTable, text, uniqueIndex, uuid } from "drizzle-orm/pg-core";
import { createdAt, tstz, updatedAt } from "./columns.ts";

export const DEAD_LETTER_SOURCES = ["consumer", "dlq"] as const;
export type DeadLetterSource = (typeof DEAD_LETTER_SOURCES)[number];
export const DEAD_LETTER_STATUSES = ["parked", "replayed", "discarded"] as const;
export type DeadLetterStatus = (typeof DEAD_LETTER_STATUSES)[number];

/**
 * Job-queue messages that were given up on, kept until someone replays or
 * discards them: the consumer parked them (a poison message, or too many
 * failed attempts), or Cloudflare moved them to the dead-letter queue after
 * an invocation that crashed outright. Cloudflare keeps queue messages for a
 * few days only; this table keeps them (and why) as long as they matter.
 */
export const deadLetters = pgTable(
  "dead_letters",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    // who gave up: the consumer's own retry policy, or the platform's dead-letter queue
    source: text("source").$type<DeadLetterSource>().notNull(),
    // the queue the message was meant for (ksp-jobs; in-process on Node)
    queue: text("queue").notNull(),
    // the transport's message id: a redelivered dead letter is recorded once
    messageId: text("message_id"),
    // the body as delivered, which may not even be a valid job message
    body: jsonb("body").$type<unknown>().notNull(),
    // body.type and body.job when it has them, for filtering
    messageType: text("message_type"),
    job: text("job"),
    // the cluster a message was about (no foreign key: the cluster may be gone)
    clusterId: uuid("cluster_id"),
    reason: text("reason").notNull(),
    attempts: integer("attempts").notNull(),
    status: text("status").$type<DeadLetterStatus>().notNull().default("parked"),
    parkedAt: tstz("parked_at").notNull(),
    replayCount: integer("replay_count").notNull().default(0),
    lastReplayedAt: tstz("last_replayed_at"),
    lastReplayedBy: text("last_replayed_by"),
    // guards replays and discards: two operators pressing replay send the message once
    version: integer("version").notNull().default(1),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [
    index("dead_letters_status_parked_idx").on(t.status, t.parkedAt),
    uniqueIndex("dead_letters_source_message_uq")
      .on(t.source, t.messageId)
      .where(sql`${t.messageId} is not null`),
    check("dead_letters_source_ck", sql`${t.source} in ('consumer', 'dlq')`),
    check("dead_letters_status_ck", sql`${t.status} in ('parked', 'replayed', 'discarded')`),
  ],
);

export type DeadLetterRow = typeof deadLetters.$inferSelect;
