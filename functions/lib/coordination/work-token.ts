/**
 * "Something was written that scheduled jobs may have to act on": a random
 * token, replaced after every such write has committed (a cluster write's
 * state-version publication, a successful mutating /v1 request, a queued job
 * run). A job that found nothing to do remembers the token it read BEFORE
 * looking (jobs/idle.ts); while the token is unchanged, the next scheduler
 * ticks know the answer without Postgres. The token is random, not a counter,
 * so a token lost with Redis and written anew can never equal an old one: a
 * missing or different token always means "look in Postgres".
 *
 * Only where the store is shared by every replica: an in-process store never
 * hears of another replica's writes, so there the jobs always look.
 */
import type { Logger } from "../../../shared/logger.ts";
import type { Coordination } from "./types.ts";

export const WORK_TOKEN_KEY = "jobs:work-token";
/** Outlives any idle marker (jobs/idle.ts); a lapsed token only costs one look per job. */
export const WORK_TOKEN_TTL_MS = 7 * 86_400_000;

export async function markWorkChanged(
  coordination: Coordination,
  logger: Pick<Logger, "warn">,
): Promise<void> {
  if (!coordination.sharedAcrossReplicas) return;
  await coordination.cacheSet(WORK_TOKEN_KEY, crypto.randomUUID(), WORK_TOKEN_TTL_MS).catch((err: unknown) =>
    // idle markers lapse on their own (jobs/idle.ts IDLE_MARKER_MAX_AGE_MS): the work waits at most that long
    logger.warn("could not tell the scheduled jobs about a change", { error: err }),
  );
}
