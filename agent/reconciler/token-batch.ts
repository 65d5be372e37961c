/**
 * One bootstrap token per join batch: the machines the loop starts joining
 * in the same pass share it. It is made when the first of them needs it and
 * deleted when the last one is done with it, success or failure; a token
 * never outlives its batch (and its TTL bounds a crash: expired ones are
 * deleted on the next start).
 */

import type { Logger } from "../../shared/logger.ts";
import type { BootstrapTokens } from "../kubernetes/types.ts";

/** One member's share of the batch's token. */
export interface TokenLease {
  /** the token, `<id>.<secret>`; made on the batch's first call; a failure is not kept, so a later call retries */
  token(): Promise<string>;
  /** this member is done with it (idempotent); the batch's last release deletes it */
  release(): void;
}

export interface TokenBatch {
  lease(): TokenLease;
  /** no more leases: once every lease is released, the token goes */
  seal(): void;
}

export interface TokenBatchOptions {
  tokens: BootstrapTokens;
  ttlMs: number;
  description: string;
  logger: Logger;
  /** ids of the tokens batches of this process hold now: kept by a cleanup on taking over */
  live: Set<string>;
}

export function createTokenBatch(options: TokenBatchOptions): TokenBatch {
  const { tokens, logger } = options;
  let leases = 0;
  let released = 0;
  let sealed = false;
  let made: Promise<{ id: string; token: string }> | null = null;
  let deleted = false;

  const maybeDelete = () => {
    if (!sealed || released < leases || made === null || deleted) return;
    deleted = true;
    void made.then(
      (t) =>
        tokens
          .delete(t.id)
          .catch((err: unknown) =>
            // it expires by itself, and the next start's cleanup deletes it too
            logger.warn("could not delete a join batch's bootstrap token", { id: t.id, err }),
          )
          .finally(() => options.live.delete(t.id)),
      () => undefined,
    );
  };

  const token = async (): Promise<string> => {
    if (made === null) {
      const attempt = tokens.create({ description: options.description, ttlMs: options.ttlMs });
      made = attempt;
      attempt.then(
        (t) => options.live.add(t.id),
        () => undefined,
      );
      attempt.catch(() => {
        if (made === attempt) made = null;
      });
    }
    return (await made).token;
  };

  return {
    lease() {
      if (sealed) throw new Error("the join batch is sealed");
      leases++;
      let done = false;
      return {
        token: () => (done ? Promise.reject(new Error("this lease was released")) : token()),
        release() {
          if (done) return;
          done = true;
          released++;
          maybeDelete();
        },
      };
    },
    seal() {
      sealed = true;
      maybeDelete();
    },
  };
}
