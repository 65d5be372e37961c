/** Shapes of the /v1/dead-letters routes. */
import { z } from "@hono/zod-openapi";
import { DEAD_LETTER_SOURCES, DEAD_LETTER_STATUSES } from "../../../../drizzle/schema/dead-letters.ts";
import { ClusterRefSchema, UuidSchema } from "../../../http/params.ts";
import { TimeRangeQuery } from "../events/schemas.ts";

export const DeadLetterSchema = z
  .object({
    id: z.uuid(),
    source: z.enum(DEAD_LETTER_SOURCES).openapi({
      description:
        "consumer: parked by our consumer (a message that can never succeed, or too many failed attempts); " +
        "dlq: Cloudflare moved it to the dead-letter queue (an invocation that crashed or timed out)",
    }),
    queue: z.string().openapi({ description: "the queue it was meant for", example: "ksp-jobs" }),
    messageId: z.string().nullable().openapi({ description: "the transport's message id" }),
    body: z
      .unknown()
      .openapi({ description: "the message as delivered (it may not be a valid job message)" }),
    messageType: z.string().nullable().openapi({ example: "job.cluster" }),
    job: z.string().nullable().openapi({ example: "probe-clusters" }),
    clusterId: z.string().nullable(),
    reason: z.string().openapi({ description: "why it was given up on" }),
    attempts: z.number().int().openapi({ description: "deliveries counted when it was given up on" }),
    status: z.enum(DEAD_LETTER_STATUSES),
    parkedAt: z.string(),
    replayCount: z.number().int(),
    lastReplayedAt: z.string().nullable(),
    lastReplayedBy: z.string().nullable().openapi({ example: "token:8b0e…" }),
    version: z.number().int(),
    updatedAt: z.string(),
  })
  .openapi("DeadLetter");

export const DeadLetterParams = z.object({
  id: UuidSchema.openapi({ param: { name: "id", in: "path" }, description: "the dead letter's id" }),
});

export const DeadLetterFilterQuery = TimeRangeQuery.extend({
  status: z.enum(DEAD_LETTER_STATUSES).optional().openapi({ description: "parked, replayed or discarded" }),
  job: z
    .string()
    .min(1)
    .max(200)
    .optional()
    .openapi({ description: "the job a message named", example: "probe-clusters" }),
  messageType: z.string().min(1).max(100).optional().openapi({ example: "job.run" }),
  clusterId: ClusterRefSchema.optional(),
});

export const DEAD_LETTERS_NOTE =
  "Operators (unscoped tokens: the job queue serves every cluster). Dead letters are job-queue messages " +
  "given up on: parked by the consumer, or moved to Cloudflare's dead-letter queue (ksp-jobs-dlq).";

/** Why scoped tokens are refused on every dead-letter route. */
export const UNSCOPED_ONLY =
  "dead letters belong to the job queue, which serves every cluster: use an unscoped token";
