/**
 * A counting semaphore: at most `limit` holders at once, waiters served in
 * order. The engine bounds concurrency within one pipeline run; the
 * lifecycle runs one pipeline per machine, so this bounds them all together
 * (the agent's global SSH cap).
 */
export interface Limiter {
  /** resolves with a release function once a slot is free; rejects if `signal` aborts first */
  acquire(signal?: AbortSignal): Promise<() => void>;
  /** holders right now */
  active(): number;
}

export function createLimiter(limit: number): Limiter {
  if (!Number.isInteger(limit) || limit < 1) throw new RangeError(`limit must be a whole number >= 1`);
  let active = 0;
  const waiters: { grant: () => void; signal: AbortSignal | undefined; onAbort: () => void }[] = [];

  const release = () => {
    let released = false;
    return () => {
      if (released) return;
      released = true;
      active--;
      const next = waiters.shift();
      if (next) {
        next.signal?.removeEventListener("abort", next.onAbort);
        next.grant();
      }
    };
  };

  return {
    active: () => active,
    acquire(signal) {
      if (signal?.aborted) return Promise.reject(signal.reason);
      if (active < limit) {
        active++;
        return Promise.resolve(release());
      }
      return new Promise((resolve, reject) => {
        const waiter = {
          signal,
          grant: () => {
            active++;
            resolve(release());
          },
          onAbort: () => {
            const at = waiters.indexOf(waiter);
            if (at >= 0) waiters.splice(at, 1);
            reject(signal?.reason);
          },
        };
        waiters.push(waiter);
        signal?.addEventListener("abort", waiter.onAbort, { once: true });
      });
    },
  };
}
