/**
 * Re-encrypts sealed values (SSH keys, kubeconfigs) still on an older key
 * with the keyring's current one, a bounded pass per tick under the job's
 * lock; a backlog larger than one pass is finished by the following ticks
 * (services/secrets/rotate-sealed-values.ts). Without a keyring there is
 * nothing it could do. Once a pass found nothing left for this key list, the
 * following ticks answer from coordination and never touch the database.
 */
import { ROTATE_ENCRYPTION_JOB } from "../services/secrets/rotate-now.ts";
import { rotateSealedValues } from "../services/secrets/rotate-sealed-values.ts";
import { rotationDone, rotationDoneKey } from "../services/secrets/rotation-done.ts";
import { jobServiceContext } from "./job-context.ts";
import type { Job } from "./types.ts";

export { ROTATE_ENCRYPTION_JOB };
/** well inside the lock and a Worker's scheduled-event limits; the next tick goes on */
export const ROTATION_JOB_BUDGET_MS = 25_000;
export const ROTATION_JOB_MAX_BATCHES = 100;

export const rotateEncryptionJob: Job = {
  name: ROTATE_ENCRYPTION_JOB,
  lockTtlMs: 2 * 60_000,
  // the same answer as the run's first steps, read with every other job's marker before any lock
  idle: {
    key: (view) => (view.encryption ? rotationDoneKey(view.encryption) : null),
    idle: (value, view) => !view.encryption || value === true,
  },
  async run(ctx) {
    const keyring = ctx.encryption;
    if (!keyring) return;
    if (await rotationDone(ctx, keyring)) return;
    await rotateSealedValues({
      ctx: await jobServiceContext(ctx),
      input: { maxBatches: ROTATION_JOB_MAX_BATCHES, budgetMs: ROTATION_JOB_BUDGET_MS },
    });
  },
};
