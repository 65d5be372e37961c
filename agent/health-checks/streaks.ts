/**
 * Consecutive check results per machine. A check is due once per the pool's
 * interval; a failure extends the failure streak and ends the passing one,
 * and the other way round. A machine whose status changed since its streak
 * began starts a new one, so a free machine's probe failures do not carry
 * over into the time it is a node, nor back.
 */
import type { AgentMachine } from "../../proto/agent-api.ts";
import type { MachineState } from "../../proto/machine-states.ts";

export interface Streak {
  status: MachineState;
  /** failed checks in a row */
  failures: number;
  /** passed checks in a row */
  passes: number;
  /** when the last check started (ms); -Infinity: never */
  lastAt: number;
}

export class Streaks {
  readonly #byId = new Map<string, Streak>();

  of(machine: AgentMachine): Streak {
    const current = this.#byId.get(machine.id);
    if (current && current.status === machine.status) return current;
    const fresh: Streak = {
      status: machine.status,
      failures: 0,
      passes: 0,
      lastAt: Number.NEGATIVE_INFINITY,
    };
    this.#byId.set(machine.id, fresh);
    return fresh;
  }

  due(machine: AgentMachine, now: number, intervalMs: number): boolean {
    return now - this.of(machine).lastAt >= intervalMs;
  }

  /** the check starts now: the next one is due an interval later */
  started(machine: AgentMachine, now: number): void {
    this.of(machine).lastAt = now;
  }

  failed(machine: AgentMachine): Streak {
    const streak = this.of(machine);
    streak.failures++;
    streak.passes = 0;
    return streak;
  }

  passed(machine: AgentMachine): Streak {
    const streak = this.of(machine);
    streak.passes++;
    streak.failures = 0;
    return streak;
  }

  /** forgets the machines not in `ids` (they left the checks: another status, another cluster) */
  retain(ids: ReadonlySet<string>): void {
    for (const id of this.#byId.keys()) if (!ids.has(id)) this.#byId.delete(id);
  }

  clear(): void {
    this.#byId.clear();
  }
}
