/**
 * Node's stand-in for Cron Triggers: calls `tick` every `intervalMs`. A tick
 * still running when the next is due is not doubled up; that one is skipped.
 */
import type { Logger } from "../../shared/logger.ts";

export interface IntervalScheduler {
  /** Stops ticking and waits for a tick in progress. */
  stop(): Promise<void>;
}

export function startIntervalScheduler(opts: {
  intervalMs: number;
  tick: () => Promise<unknown>;
  logger: Logger;
}): IntervalScheduler {
  let running: Promise<unknown> | undefined;
  const timer = setInterval(() => {
    if (running) {
      opts.logger.warn("scheduler tick skipped: previous tick still running");
      return;
    }
    running = opts
      .tick()
      .catch((err: unknown) => opts.logger.error("scheduler tick failed", { error: err }))
      .finally(() => {
        running = undefined;
      });
  }, opts.intervalMs);
  timer.unref?.();
  return {
    async stop() {
      clearInterval(timer);
      await running;
    },
  };
}
