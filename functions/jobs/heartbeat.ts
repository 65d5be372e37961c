/**
 * Proves the scheduling path end to end: it runs on every tick and logs one
 * line, so "the scheduler is alive" is visible in the logs of both runtimes.
 */
import type { Job } from "./types.ts";

export const heartbeatJob: Job = {
  name: "heartbeat",
  lockTtlMs: 30_000,
  async run(ctx) {
    ctx.logger.info("scheduler heartbeat", { at: ctx.clock.now().toISOString() });
  },
};
