/**
 * Fault injection for tests: requests matching a hold wait (unanswered, as
 * behind a slow or partitioned API server) until the test releases them.
 * A test can then act at an exact point of a client's work, e.g. kill the
 * agent after a host's reset but before it deletes the Node.
 */
export interface HoldMatch {
  method: string;
  /** matched against the path with its query */
  path: RegExp;
}

export interface Hold {
  /** how many requests are waiting on it now */
  held(): number;
  /** resolves once at least `count` requests wait on it */
  waitHeld(count?: number, timeoutMs?: number): Promise<void>;
  /** lets the waiting requests (and every later one) through, and removes the hold */
  release(): void;
}

interface ActiveHold {
  match: HoldMatch;
  waiting: number;
  released: Promise<void>;
  onChange: Set<() => void>;
  release: () => void;
}

export class RequestHolds {
  private readonly active = new Set<ActiveHold>();

  add(match: HoldMatch): Hold {
    let release!: () => void;
    const hold: ActiveHold = {
      match,
      waiting: 0,
      released: new Promise<void>((resolve) => {
        release = resolve;
      }),
      onChange: new Set(),
      release: () => release(),
    };
    this.active.add(hold);
    return {
      held: () => hold.waiting,
      waitHeld: (count = 1, timeoutMs = 30_000) =>
        new Promise<void>((resolve, reject) => {
          const check = () => {
            if (hold.waiting < count) return;
            clearTimeout(timer);
            hold.onChange.delete(check);
            resolve();
          };
          const timer = setTimeout(() => {
            hold.onChange.delete(check);
            reject(
              new Error(`no ${count} ${match.method} ${match.path} request(s) held within ${timeoutMs} ms`),
            );
          }, timeoutMs);
          hold.onChange.add(check);
          check();
        }),
      release: () => {
        this.active.delete(hold);
        hold.release();
      },
    };
  }

  /** Resolves when no hold matches the request (at once when none does). */
  async pass(method: string, path: string): Promise<void> {
    for (const hold of this.active) {
      if (hold.match.method !== method || !hold.match.path.test(path)) continue;
      hold.waiting += 1;
      for (const notify of hold.onChange) notify();
      await hold.released;
      hold.waiting -= 1;
    }
  }

  releaseAll(): void {
    for (const hold of [...this.active]) {
      this.active.delete(hold);
      hold.release();
    }
  }
}
