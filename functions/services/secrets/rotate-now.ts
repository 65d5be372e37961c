/**
 * A rotation pass on an operator's request (POST /v1/encryption/rotate), so a
 * key change can be driven to the end without waiting for the scheduler. It
 * takes the scheduled job's own lock, so the two never run at once (each would
 * be safe, the writes are guarded, but would only trip over each other), and
 * is bounded so the request answers in seconds; `complete: false` says "again".
 */
import { AppError } from "../../lib/errors.ts";
import { recordAudit } from "../audit/record-audit.ts";
import type { ServiceCall } from "../context.ts";
import { requireEncryption } from "./require-encryption.ts";
import { type RotationResult, rotateSealedValues } from "./rotate-sealed-values.ts";

export const ROTATE_ENCRYPTION_JOB = "rotate-encryption";
/** the job runner's lock key for the job (`job:<name>`) */
export const ROTATION_LOCK_KEY = `job:${ROTATE_ENCRYPTION_JOB}`;
export const ROTATE_NOW_BUDGET_MS = 10_000;
export const ROTATE_NOW_MAX_BATCHES = 50;
const LOCK_TTL_MS = 60_000;

export async function rotateEncryptionNow({
  ctx,
}: ServiceCall<Record<string, never>>): Promise<RotationResult> {
  const keyring = requireEncryption(ctx, "rotating secrets at rest");
  const lock = await ctx.coordination.acquireLock(ROTATION_LOCK_KEY, LOCK_TTL_MS);
  if (!lock) {
    throw new AppError("conflict", "a rotation pass is already running; try again in a minute", {
      currentKeyId: keyring.currentKeyId,
    });
  }
  try {
    const result = await rotateSealedValues({
      ctx,
      input: { maxBatches: ROTATE_NOW_MAX_BATCHES, budgetMs: ROTATE_NOW_BUDGET_MS },
    });
    const { tables: _tables, failures: _failures, ...counts } = result;
    await recordAudit(ctx.db, ctx, {
      action: "encryption.rotate",
      resourceType: "encryption",
      changes: counts,
    });
    return result;
  } finally {
    await ctx.coordination.releaseLock(lock).catch(() => false);
  }
}
