/**
 * Proves the scheduling path end to end: it runs on every tick and logs one
 * line, so "the scheduler is alive" is visible in the logs of both runtimes.
 */
import type { Job } from "./types.ts";

export const heartbeatJob: Job = {
  name: "heartbeat",
  lockTtlMs: 30_000,
  // a log line: nothing two runners could do twice, so no lock (two Redis commands) per tick
  unlocked: true,
  async run(ctx) {
    ctx.logger.info("scheduler heartbeat", { at: ctx.clock.now().toISOString() });
  },
};
