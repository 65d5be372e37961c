/**
 * The job queue's wire format and producer interface. On Workers the
 * producer is the `JOBS_QUEUE` binding; on Node it is the in-process queue.
 * Both deliver each message at least once, so handlers must be idempotent.
 */
import { z } from "zod";

export const JobMessageSchema = z.discriminatedUnion("type", [
  /** Run one registered job now (fan-out from the scheduler, or a manual trigger). */
  z.object({ type: z.literal("job.run"), job: z.string().min(1) }),
  /** One cluster's share of a job's work (fan-out from the job's scheduled run). */
  z.object({ type: z.literal("job.cluster"), job: z.string().min(1), clusterId: z.uuid() }),
]);

export type JobMessage = z.infer<typeof JobMessageSchema>;

export interface JobQueue {
  send(body: JobMessage, options?: { delaySeconds?: number }): Promise<void>;
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
