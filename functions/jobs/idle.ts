/**
 * How a scheduler tick decides "nothing to do" without Postgres, so an idle
 * deployment lets Neon scale to zero. Each job that can be idle names one
 * coordination marker, which its own run writes after it looked in Postgres
 * (`rememberIdle`): what it found (nothing pending, the earliest moment
 * something falls due, the day it finished) and, for work that writes create,
 * the work token it read BEFORE looking (lib/coordination/work-token.ts). The
 * runner reads every marker and the token in ONE round trip (runner.ts
 * `idleJobs`) and skips, without a lock, each job whose marker says idle.
 *
 * A marker can only ever say "idle" for what a look in Postgres found and
 * nothing changed since: a missing marker, a missing or different token, a
 * write-dependent marker older than IDLE_MARKER_MAX_AGE_MS (should a change's
 * token write have been lost) or a marker from the future all mean "look". Only where the store is
 * shared by every replica; an in-process store beside a shared Postgres never
 * hears of another replica's writes, so there every job always runs.
 */
import type { Logger } from "../../shared/logger.ts";
import type { Coordination } from "../lib/coordination/types.ts";
import { WORK_TOKEN_KEY, WORK_TOKEN_TTL_MS } from "../lib/coordination/work-token.ts";
import type { Keyring } from "../lib/crypto/keyring.ts";
import type { PolicySettings } from "../policy.ts";

/**
 * The safety net for markers that depend on writes: should a change's token write have been lost,
 * such a job looks in Postgres again after this long (one look per job).
 */
export const IDLE_MARKER_MAX_AGE_MS = 6 * 60 * 60_000;
/** Markers about time alone carry their own end (a day, a deadline); kept past any of them. */
const TIME_ONLY_MARKER_TTL_MS = 2 * 86_400_000;

export const idleMarkerKey = (job: string) => `jobs:idle:${job}`;

/** What the runner knows when it decides, before any job runs. */
export interface IdleView {
  now: Date;
  /** the current work token; null when none is stored */
  token: string | null;
  policy: PolicySettings;
  encryption?: Keyring;
}

export interface IdleCheck {
  /** the coordination cache key to read; null: decide from the view alone */
  key(view: IdleView): string | null;
  /** true only when the stored value proves there is nothing to do now */
  idle(value: unknown, view: IdleView): boolean;
}

export interface IdleMarker {
  /** when the job looked (epoch ms, the job's clock) */
  at: number;
  /** the work token read before the look; null: the marker does not depend on writes */
  token: string | null;
  [fact: string]: unknown;
}

/** The stored marker when it is fresh and, if it depends on writes, nothing was written since. */
export function freshMarker(value: unknown, view: IdleView): IdleMarker | null {
  const marker = value as IdleMarker | null;
  if (!marker || typeof marker !== "object" || typeof marker.at !== "number") return null;
  const age = view.now.getTime() - marker.at;
  if (age < 0) return null;
  // facts about time alone (a day done, a deadline ahead) stay true; only those about writes age
  if (marker.token === null) return marker;
  if (typeof marker.token !== "string") return null;
  if (age >= IDLE_MARKER_MAX_AGE_MS || view.token === null || marker.token !== view.token) return null;
  return marker;
}

/** A check on the job's own marker: `facts` decides from what the last look found. */
export function markerCheck(job: string, facts: (marker: IdleMarker, view: IdleView) => boolean): IdleCheck {
  return {
    key: () => idleMarkerKey(job),
    idle(value, view) {
      const marker = freshMarker(value, view);
      return marker !== null && facts(marker, view);
    },
  };
}

type MarkerCtx = { coordination: Coordination; logger: Pick<Logger, "warn">; clock: { now(): Date } };

/**
 * The token before a look; null when the store fails (the marker then never says idle). With no
 * token stored yet (a fresh store, or it lapsed) one is made now: any write after this moment
 * replaces it, and the look that follows sees every write before it.
 */
export async function readWorkToken(ctx: MarkerCtx): Promise<string | null> {
  if (!ctx.coordination.sharedAcrossReplicas) return null;
  try {
    const token = await ctx.coordination.cacheGet<string>(WORK_TOKEN_KEY);
    if (typeof token === "string") return token;
    const fresh = crypto.randomUUID();
    await ctx.coordination.cacheSet(WORK_TOKEN_KEY, fresh, WORK_TOKEN_TTL_MS);
    return fresh;
  } catch {
    return null;
  }
}

/**
 * After a look in Postgres: what it found, for the next ticks. `token` is what
 * `readWorkToken` returned before the look, or null for facts that depend on
 * time alone; a look that depends on writes but found no token writes nothing.
 */
export async function rememberIdle(
  ctx: MarkerCtx,
  job: string,
  facts: Record<string, unknown>,
  token: string | null | "time-only",
): Promise<void> {
  if (!ctx.coordination.sharedAcrossReplicas || token === null) return;
  const marker: IdleMarker = {
    ...facts,
    at: ctx.clock.now().getTime(),
    token: token === "time-only" ? null : token,
  };
  await ctx.coordination
    .cacheSet(
      idleMarkerKey(job),
      marker,
      marker.token === null ? TIME_ONLY_MARKER_TTL_MS : IDLE_MARKER_MAX_AGE_MS,
    )
    .catch((err: unknown) =>
      ctx.logger.warn("idle marker not written; the next tick looks again", { job, error: err }),
    );
}
