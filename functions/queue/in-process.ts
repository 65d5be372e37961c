/**
 * The Node stand-in for a Cloudflare Queue, with the same semantics: bodies
 * are copied on send, each delivery counts an attempt, failures come back
 * after the consumer's backoff, and parked messages are kept aside (and
 * logged) instead of being retried forever. Lost on restart, like any
 * in-memory state of the embedded deployment.
 */
import type { Clock } from "../../shared/clock.ts";
import type { Logger } from "../../shared/logger.ts";
import type { Consume } from "./consumer.ts";
import type { JobMessage, JobQueue, SendOptions } from "./types.ts";

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

export class InProcessQueue implements JobQueue {
  readonly #pending: Pending[] = [];
  readonly #parked: ParkedMessage[] = [];
  #timer: ReturnType<typeof setInterval> | undefined;
  #draining: Promise<number> | undefined;

  constructor(
    private readonly deps: { clock: Clock; logger: Logger; consume: Consume; maxParked?: number },
  ) {}

  async send(body: JobMessage, options: SendOptions = {}): Promise<void> {
    await this.sendBatch([body], options);
  }

  /** All or nothing, like one producer call: every body is copied before any is queued. */
  async sendBatch(bodies: readonly JobMessage[], options: SendOptions = {}): Promise<void> {
    const visibleAt = this.deps.clock.now().getTime() + (options.delaySeconds ?? 0) * 1000;
    const copies = bodies.map((body) => structuredClone(body));
    for (const body of copies) this.#pending.push({ id: crypto.randomUUID(), body, attempts: 0, visibleAt });
  }

  /** Delivers every message that is due now, one at a time; returns how many were delivered. */
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
    for (const message of due) {
      this.#pending.splice(this.#pending.indexOf(message), 1);
      message.attempts++;
      const decision = await this.deps
        .consume(structuredClone(message.body), message.attempts)
        .catch((err: unknown) => ({ action: "retry" as const, delaySeconds: 1, reason: String(err) }));
      if (decision.action === "retry") {
        message.visibleAt = this.deps.clock.now().getTime() + Math.max(1, decision.delaySeconds) * 1000;
        this.#pending.push(message);
      } else if (decision.action === "park") {
        this.#park(message, decision.reason);
      }
    }
    return due.length;
  }

  #park(message: Pending, reason: string): void {
    this.deps.logger.error("queue message parked", {
      id: message.id,
      body: message.body,
      attempts: message.attempts,
      reason,
    });
    this.#parked.push({ id: message.id, body: message.body, attempts: message.attempts, reason });
    // Bounded: the log line is the durable record; this list is for inspection.
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
