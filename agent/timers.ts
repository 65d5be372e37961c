/**
 * Waiting, behind an interface: loops whose correctness is about time (the
 * leader election's renew deadline and lease expiry) take Timers next to
 * their Clock, so tests run them on a manual clock instead of sleeping.
 * test/support/manual-time.ts is the test implementation.
 */
export interface Timers {
  /** runs `fn` once after `ms`; the returned function cancels it */
  after(ms: number, fn: () => void): () => void;
}

export const systemTimers: Timers = {
  after(ms, fn) {
    const timer = setTimeout(fn, ms);
    // a pending wait never keeps the process alive on its own; shutdown decides that
    timer.unref?.();
    return () => clearTimeout(timer);
  },
};
