/**
 * A pool's type ("gpu", "general", …): matching policies pick machines for
 * every pool of a type, so the type is a short, stable, name-like token
 * (a DNS-1123 label), or null for a pool no policy applies to.
 */
import { AppError } from "../../lib/errors.ts";

export const POOL_TYPE_MAX = 63;
export const POOL_TYPE_PATTERN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
export const POOL_TYPE_RULE =
  "must be 1-63 lowercase letters, digits and '-', starting and ending with a letter or digit";

export function isPoolType(value: unknown): value is string {
  return typeof value === "string" && value.length <= POOL_TYPE_MAX && POOL_TYPE_PATTERN.test(value);
}

/** A pool type found at `path`, refused with a 400 naming the path unless it is one. */
export function checkPoolType(value: unknown, path: string): asserts value is string {
  if (!isPoolType(value)) throw new AppError("validation_failed", `${path}: ${POOL_TYPE_RULE}`, { path });
}
