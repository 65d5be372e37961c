/**
 * A Leadership a test flips by hand: `leadership.leader = false` makes this
 * replica a standby at once and tells the subscribers, as the Lease election
 * (agent/leader/lease-leadership.ts) does when it gains or loses the Lease.
 */
import type { Leadership } from "../../../agent/leadership.ts";

export class SettableLeadership implements Leadership {
  /** who leads while this replica does not (currentLeader()) */
  otherLeader: string | null = "agent-test-other";
  #leader: boolean;
  #since: Date | null;
  readonly #listeners = new Set<(leading: boolean) => void>();

  constructor(
    private readonly id: string,
    leader = true,
    private readonly now: () => Date = () => new Date(),
  ) {
    this.#leader = leader;
    this.#since = leader ? now() : null;
  }

  get leader(): boolean {
    return this.#leader;
  }

  set leader(value: boolean) {
    if (value === this.#leader) return;
    this.#leader = value;
    this.#since = value ? this.now() : null;
    for (const listener of [...this.#listeners]) listener(value);
  }

  isLeader(): boolean {
    return this.#leader;
  }

  identity(): string {
    return this.id;
  }

  leaderSince(): Date | null {
    return this.#since;
  }

  currentLeader(): string | null {
    return this.#leader ? this.id : this.otherLeader;
  }

  subscribe(listener: (leading: boolean) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }
}
