/**
 * "Nothing is left to rotate for this key list", kept in coordination so
 * idle scheduled runs never touch the database. The key is the whole list,
 * current key first: a new current key, an added key (an unknown one made
 * known again) or a removed one all make a new key, so the flag can only say
 * what a pass over this very keyring found. Writers always seal with the
 * current key, so nothing lands on an old key while the list stays the same;
 * the TTL still bounds how long a replica deployed with an older list (a
 * rolling deploy) could leave values behind unnoticed.
 */
import type { Keyring } from "../../lib/crypto/keyring.ts";
import type { ServiceContext } from "../context.ts";

export const ROTATION_DONE_TTL_MS = 60 * 60_000;

export function rotationDoneKey(keyring: Keyring): string {
  return `encryption:rotation-done:${keyring.keyIds.join(",")}`;
}

/** True only on a positive answer: an unreachable store means "look". */
export async function rotationDone(
  ctx: Pick<ServiceContext, "coordination">,
  keyring: Keyring,
): Promise<boolean> {
  const done = await ctx.coordination.cacheGet<boolean>(rotationDoneKey(keyring)).catch(() => null);
  return done === true;
}

export async function markRotationDone(
  ctx: Pick<ServiceContext, "coordination" | "logger">,
  keyring: Keyring,
): Promise<void> {
  await ctx.coordination
    .cacheSet(rotationDoneKey(keyring), true, ROTATION_DONE_TTL_MS)
    .catch((err: unknown) => {
      // the next run simply looks again
      ctx.logger.warn("could not remember that the encryption rotation is done", { error: err });
    });
}
