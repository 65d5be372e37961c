/**
 * The bootstrap-admin contract on Workers, where there is no start-up to run
 * it in: KSP_ADMIN_TOKEN is made the bootstrap admin token (ensure-admin-token.ts,
 * the same transaction Node runs at start) before the first admin request an
 * isolate serves. Isolates come and go all day, so a successful run is
 * remembered in coordination under a key derived from the token's hash: a new
 * isolate then reads one Redis key instead of opening a Postgres transaction,
 * and an idle Neon database can stay asleep.
 *
 * The marker lapses after a day, so a database recreated under a deployment
 * (or a bootstrap token revoked through the API, which the variable
 * reinstates, as a Node restart does) is put right within a day at the latest;
 * rotating the variable drops the markers of the tokens it revokes, so going
 * back to an earlier token works at once.
 */
import type { Db } from "../../../drizzle/client.ts";
import type { Clock } from "../../../shared/clock.ts";
import type { Logger } from "../../../shared/logger.ts";
import type { Coordination } from "../../lib/coordination/types.ts";
import { hashToken } from "../../lib/tokens.ts";
import { ensureAdminToken } from "./ensure-admin-token.ts";

export const BOOTSTRAP_MARKER_TTL_MS = 24 * 60 * 60 * 1000;
/** Enough of the SHA-256 to tell tokens apart; the key is not a secret (api_tokens holds the whole hash). */
const MARKER_HASH_CHARS = 32;

export function bootstrapMarkerKey(tokenHash: string): string {
  return `bootstrap:${tokenHash.slice(0, MARKER_HASH_CHARS)}`;
}

export interface WorkerBootstrapDeps {
  coordination: Coordination;
  clock: Clock;
  logger: Logger;
  /** Lends a database for the one transaction a first bootstrap needs, and gives it back. */
  withDatabase<T>(work: (db: Db) => Promise<T>): Promise<T>;
}

export type WorkerBootstrapOutcome = "remembered" | "configured";

export async function bootstrapConfiguredToken(
  deps: WorkerBootstrapDeps,
  configuredToken: string,
): Promise<WorkerBootstrapOutcome> {
  const key = bootstrapMarkerKey(await hashToken(configuredToken));
  if ((await deps.coordination.cacheGet(key)) !== null) return "remembered";
  const result = await deps.withDatabase((db) =>
    ensureAdminToken({
      ctx: {
        db,
        clock: deps.clock,
        logger: deps.logger,
        coordination: deps.coordination,
        requestId: "bootstrap",
        actor: "system",
      },
      input: { configuredToken },
    }),
  );
  if (result.outcome !== "configured") throw new Error(`unexpected bootstrap outcome ${result.outcome}`);
  await Promise.all(
    result.revokedTokenHashes.map((hash) => deps.coordination.cacheDelete(bootstrapMarkerKey(hash))),
  );
  await deps.coordination.cacheSet(key, { tokenId: result.tokenId }, BOOTSTRAP_MARKER_TTL_MS);
  deps.logger.info("bootstrap admin token configured from KSP_ADMIN_TOKEN", {
    tokenId: result.tokenId,
    revokedEarlier: result.revokedTokenHashes.length,
  });
  return "configured";
}

/**
 * Runs `run` once per isolate: callers that arrive while it runs share that
 * run; a failure is not kept, so the next caller tries again.
 */
export function onceUntilSuccess(run: () => Promise<unknown>): () => Promise<void> {
  let done = false;
  let pending: Promise<void> | undefined;
  return () => {
    if (done) return Promise.resolve();
    pending ??= run().then(
      () => {
        done = true;
      },
      (err: unknown) => {
        pending = undefined;
        throw err;
      },
    );
    return pending;
  };
}
