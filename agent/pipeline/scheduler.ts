/**
 * Bounded concurrency over hosts: at most `global` jobs at once, and at most
 * `perHost` on the same machine address (two machine records pointing at one
 * box must not overload it). Jobs start in list order; a job whose address is
 * saturated lets later jobs for other addresses go first, so a busy host never
 * idles a free slot.
 */
import { AgentError } from "../errors.ts";

export interface ConcurrencyLimits {
  global: number;
  perHost: number;
}

export function validateLimits(limits: ConcurrencyLimits): void {
  for (const [name, value] of Object.entries(limits)) {
    if (!Number.isInteger(value) || value < 1) {
      throw new AgentError(
        "invalid_argument",
        `concurrency.${name} must be a whole number >= 1, got ${value}`,
      );
    }
  }
}

/** Runs `worker` over `items` within the limits; results in item order. A rejected worker rejects the whole. */
export function runBounded<T, R>(
  items: readonly T[],
  addressOf: (item: T) => string,
  limits: ConcurrencyLimits,
  worker: (item: T) => Promise<R>,
): Promise<R[]> {
  validateLimits(limits);
  return new Promise((resolve, reject) => {
    const results = new Array<R>(items.length);
    const waiting = items.map((_, index) => index);
    const busy = new Map<string, number>();
    let running = 0;
    let finished = 0;
    let failed = false;

    const startEligible = () => {
      for (let i = 0; i < waiting.length && running < limits.global && !failed; ) {
        const index = waiting[i]!;
        const address = addressOf(items[index]!);
        if ((busy.get(address) ?? 0) >= limits.perHost) {
          i += 1;
          continue;
        }
        waiting.splice(i, 1);
        running += 1;
        busy.set(address, (busy.get(address) ?? 0) + 1);
        worker(items[index]!)
          .then(
            (result) => {
              results[index] = result;
            },
            (err: unknown) => {
              failed = true;
              reject(err);
            },
          )
          .finally(() => {
            running -= 1;
            busy.set(address, busy.get(address)! - 1);
            finished += 1;
            if (finished === items.length) resolve(results);
            else startEligible();
          });
      }
    };

    if (items.length === 0) resolve(results);
    else startEligible();
  });
}
