/**
 * The Node stand-in for a Cloudflare Queue, with the same semantics: bodies
 * are copied on send, due messages are delivered in batches of up to
 * `batchSize` (wrangler.toml's max_batch_size), each delivery counts an
 * attempt, failures come back after the consumer's backoff, and parked
 * messages are kept aside (and logged) instead of being retried forever.
 * The consumer records every parked message as a dead letter in the
 * database (queue/parking.ts); the pending messages and the short parked
 * list here are lost on restart, like any in-memory state of the embedded
 * deployment.
 */
import type { Clock } from "../../shared/clock.ts";
import type { Logger } from "../../shared/logger.ts";
import { type ConsumeBatch, DEFAULT_BATCH_SIZE } from "./consumer.ts";
import type { Decision, JobMessage, JobQueue, SendOptions } from "./types.ts";

/** What dead letters from this queue name as their queue. */
export const IN_PROCESS_QUEUE_NAME = "in-process";

interface Pending {
  id: string;
  body: JobMessage;
  attempts: number;
  visibleAt: number;
}

export interface ParkedMessage {
  id: string;
  body: JobMessage;
  attempts: number;
  reason: string;
}

/** A consumer that threw instead of deciding: the message comes back shortly. */
const failedDelivery = (err: unknown): Decision => ({
  action: "retry",
  delaySeconds: 1,
  reason: String(err),
});

export interface InProcessQueueDeps {
  /** the same batch consumer the Worker's queue() handler calls */
  consumeBatch: ConsumeBatch;
  clock: Clock;
  logger: Logger;
  maxParked?: number;
  batchSize?: number;
}

export class InProcessQueue implements JobQueue {
  readonly #pending: Pending[] = [];
  readonly #parked: ParkedMessage[] = [];
  #timer: ReturnType<typeof setInterval> | undefined;
  #draining: Promise<number> | undefined;

  constructor(private readonly deps: InProcessQueueDeps) {}

  async send(body: JobMessage, options: SendOptions = {}): Promise<void> {
    await this.sendBatch([body], options);
  }

  /** All or nothing, like one producer call: every body is copied before any is queued. */
  async sendBatch(bodies: readonly JobMessage[], options: SendOptions = {}): Promise<void> {
    const visibleAt = this.deps.clock.now().getTime() + (options.delaySeconds ?? 0) * 1000;
    const copies = bodies.map((body) => structuredClone(body));
    for (const body of copies) this.#pending.push({ id: crypto.randomUUID(), body, attempts: 0, visibleAt });
  }

  /** Delivers every message that is due now, batch after batch; returns how many were delivered. */
  processDue(): Promise<number> {
    this.#draining ??= this.#drain().finally(() => {
      this.#draining = undefined;
    });
    return this.#draining;
  }

  async #drain(): Promise<number> {
    // Only what is due now: a message retried during this pass waits for the next one.
    const now = this.deps.clock.now().getTime();
    const due = this.#pending.filter((m) => m.visibleAt <= now);
    const size = this.deps.batchSize ?? DEFAULT_BATCH_SIZE;
    for (let start = 0; start < due.length; start += size) {
      await this.#deliver(due.slice(start, start + size));
    }
    return due.length;
  }

  async #deliver(batch: Pending[]): Promise<void> {
    for (const message of batch) {
      this.#pending.splice(this.#pending.indexOf(message), 1);
      message.attempts++;
    }
    const decisions = await this.deps
      .consumeBatch(
        batch.map((m) => ({
          body: structuredClone(m.body),
          attempts: m.attempts,
          id: m.id,
          queue: IN_PROCESS_QUEUE_NAME,
        })),
      )
      .catch((err: unknown) => batch.map(() => failedDelivery(err)));
    for (const [i, message] of batch.entries()) {
      const decision = decisions[i]!;
      if (decision.action === "retry") {
        message.visibleAt = this.deps.clock.now().getTime() + Math.max(1, decision.delaySeconds) * 1000;
        this.#pending.push(message);
      } else if (decision.action === "park") {
        this.#park(message, decision.reason);
      }
    }
  }

  #park(message: Pending, reason: string): void {
    this.deps.logger.error("queue message parked", {
      id: message.id,
      body: message.body,
      attempts: message.attempts,
      reason,
    });
    this.#parked.push({ id: message.id, body: message.body, attempts: message.attempts, reason });
    // Bounded: the dead_letters row is the durable record; this list is for inspection.
    if (this.#parked.length > (this.deps.maxParked ?? 1000)) this.#parked.shift();
  }

  get pendingCount(): number {
    return this.#pending.length;
  }

  get parked(): readonly ParkedMessage[] {
    return this.#parked;
  }

  start(pollMs: number): void {
    this.#timer ??= setInterval(() => {
      this.processDue().catch((err: unknown) => this.deps.logger.error("queue drain failed", { error: err }));
    }, pollMs);
    this.#timer.unref?.();
  }

  /** Stops polling and waits for a delivery in progress. */
  async stop(): Promise<void> {
    if (this.#timer) clearInterval(this.#timer);
    this.#timer = undefined;
    await this.#draining?.catch(() => undefined);
  }
}
