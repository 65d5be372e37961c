/**
 * The job queue's wire format and producer interface. On Workers the
 * producer is the `JOBS_QUEUE` binding; on Node it is the in-process queue.
 * Both deliver each message at least once, so handlers must be idempotent.
 */
import { z } from "zod";

/** A UTC calendar day, YYYY-MM-DD, as strategy runs are keyed: one that exists (no February 30th). */
export const RunKeySchema = z
  .string()
  .regex(/^\d{4}-\d{2}-\d{2}$/, { message: "must be a UTC day, YYYY-MM-DD" })
  .refine((day) => {
    const at = new Date(`${day}T00:00:00Z`);
    return !Number.isNaN(at.getTime()) && at.toISOString().startsWith(day);
  }, "must be a UTC day that exists");

export const JobMessageSchema = z.discriminatedUnion("type", [
  /** Run one registered job now (fan-out from the scheduler, or a manual trigger). */
  z.object({ type: z.literal("job.run"), job: z.string().min(1) }),
  /** One cluster's share of a job's work (fan-out from the job's scheduled run). */
  z.object({ type: z.literal("job.cluster"), job: z.string().min(1), clusterId: z.uuid() }),
  /**
   * One strategy's evaluation of one pool (fan-out of the daily strategy run). `runKey` is the
   * UTC day of the run: the evaluation row is unique by it, so a redelivery creates nothing twice.
   */
  z.object({
    type: z.literal("strategy.evaluate"),
    strategyId: z.uuid(),
    clusterId: z.uuid(),
    poolId: z.uuid(),
    runKey: RunKeySchema,
  }),
]);

export type JobMessage = z.infer<typeof JobMessageSchema>;

export interface SendOptions {
  delaySeconds?: number;
}

export interface JobQueue {
  send(body: JobMessage, options?: SendOptions): Promise<void>;
  /**
   * Many messages, each delivered on its own (same as `send` each), in as few calls as the
   * transport allows: a fan-out of hundreds must not spend a subrequest per message.
   */
  sendBatch(bodies: readonly JobMessage[], options?: SendOptions): Promise<void>;
}

/** What the consumer decided for one delivery. */
export type Decision =
  | { action: "ack" }
  | { action: "retry"; delaySeconds: number; reason: string }
  | { action: "park"; reason: string };

/** Thrown by a handler for a message that can never succeed: retrying would only repeat the failure. */
export class PoisonMessageError extends Error {
  override readonly name = "PoisonMessageError";
}
