/**
 * A clock and timers that move only when a test says so: `await
 * time.advance(ms)` fires every timer due by then, in order, at its own
 * instant, and lets the promises each one starts settle before the next, so
 * loops built on Timers (agent/timers.ts) run as they would, without sleeping.
 */

import type { Timers } from "../../agent/timers.ts";
import type { Clock } from "../../shared/clock.ts";

interface Pending {
  at: number;
  seq: number;
  fn: () => void;
}

/** Enough turns of the event loop for chains of already-resolved promises to finish. */
async function settle(): Promise<void> {
  for (let i = 0; i < 10; i++) await new Promise((resolve) => setImmediate(resolve));
}

export class ManualTime implements Clock, Timers {
  #now: number;
  #seq = 0;
  #pending: Pending[] = [];

  constructor(start: Date | number = Date.UTC(2026, 0, 1)) {
    this.#now = typeof start === "number" ? start : start.getTime();
  }

  now(): Date {
    return new Date(this.#now);
  }

  after(ms: number, fn: () => void): () => void {
    const entry = { at: this.#now + Math.max(0, ms), seq: this.#seq++, fn };
    this.#pending.push(entry);
    return () => {
      this.#pending = this.#pending.filter((p) => p !== entry);
    };
  }

  /** timers waiting to fire */
  get pending(): number {
    return this.#pending.length;
  }

  async advance(ms: number): Promise<void> {
    const end = this.#now + ms;
    await settle();
    for (;;) {
      const due = this.#pending.filter((p) => p.at <= end).sort((a, b) => a.at - b.at || a.seq - b.seq)[0];
      if (!due) break;
      this.#pending = this.#pending.filter((p) => p !== due);
      this.#now = Math.max(this.#now, due.at);
      due.fn();
      await settle();
    }
    this.#now = end;
  }
}
