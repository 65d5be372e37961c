/**
 * One rotation pass: every sealed value still on an older key is sealed
 * again with the keyring's current key, table by table, in batches ordered
 * by id. Resumable by construction: it only ever looks at rows still on an
 * old key, so a pass cut short (a budget, a kill, a deploy) is finished by
 * the next one. Within a pass each row is visited once (keyset paging), so a
 * value that cannot be opened is reported once per pass, not retried in a loop.
 *
 * A pass that visited everything remembers so in coordination under the
 * whole key list (current key first): writers always seal with the current
 * key, so until the list changes nothing can appear on an old key, and the
 * scheduled job skips the database entirely (rotation-done.ts).
 */
import type { Keyring } from "../../lib/crypto/keyring.ts";
import type { ServiceCall, ServiceContext } from "../context.ts";
import { requireEncryption } from "./require-encryption.ts";
import { type RotationFailure, rotateBatch } from "./rotate-batch.ts";
import { markRotationDone } from "./rotation-done.ts";
import { countSealedValues } from "./sealed-value-counts.ts";
import { SEALED_VALUES } from "./sealed-values.ts";

export const ROTATION_BATCH_SIZE = 100;
/** failures listed in the answer (all are logged) */
const MAX_LISTED_FAILURES = 100;

export interface RotationInput {
  /** rows per batch (default 100) */
  batchSize?: number;
  /** stop after this many batches; the next pass goes on from there */
  maxBatches: number;
  /** stop starting batches after this long (ms); the next pass goes on from there */
  budgetMs: number;
}

export interface RotationCounts {
  rotated: number;
  /** replaced or deleted by another writer meanwhile: it already used the current key */
  skipped: number;
  /** could not be opened (unknown key, tampered, malformed); left as they are */
  failed: number;
}

export interface RotationResult extends RotationCounts {
  currentKeyId: string;
  batches: number;
  /** every value on an old key was visited; false: a bound stopped the pass early */
  complete: boolean;
  tables: (RotationCounts & { table: string })[];
  /** the first failures, by row id and key id */
  failures: RotationFailure[];
  /** values still on a key other than the current one after the pass */
  pendingRotation: number;
}

async function pendingAfter(ctx: ServiceContext, currentKeyId: string): Promise<number> {
  const values = await countSealedValues(ctx.db);
  return values.reduce((n, v) => n + v.total - (v.byKeyId[currentKeyId] ?? 0), 0);
}

function counter(table: string): RotationCounts & { table: string } {
  return { table, rotated: 0, skipped: 0, failed: 0 };
}

export async function rotateSealedValues({
  ctx,
  input,
}: ServiceCall<RotationInput>): Promise<RotationResult> {
  const keyring: Keyring = requireEncryption(ctx, "rotating secrets at rest");
  const batchSize = input.batchSize ?? ROTATION_BATCH_SIZE;
  const started = performance.now();
  const tables = SEALED_VALUES.map((column) => counter(column.name));
  const failures: RotationFailure[] = [];
  let batches = 0;
  let complete = true;

  columns: for (const [i, column] of SEALED_VALUES.entries()) {
    const tally = tables[i]!;
    let afterId: string | null = null;
    for (;;) {
      if (batches >= input.maxBatches || performance.now() - started >= input.budgetMs) {
        complete = false;
        break columns;
      }
      const batch = await rotateBatch(ctx.db, keyring, column, { afterId, limit: batchSize });
      if (batch.selected === 0) break;
      batches++;
      tally.rotated += batch.rotated;
      tally.skipped += batch.skipped;
      tally.failed += batch.failures.length;
      for (const failure of batch.failures) {
        // the row and the key it names, never the value
        ctx.logger.warn("a sealed value cannot be re-encrypted; left as it is", { ...failure });
        if (failures.length < MAX_LISTED_FAILURES) failures.push(failure);
      }
      ctx.logger.info("encryption rotation batch", {
        table: column.name,
        selected: batch.selected,
        rotated: batch.rotated,
        skipped: batch.skipped,
        failed: batch.failures.length,
        currentKeyId: keyring.currentKeyId,
      });
      if (batch.selected < batchSize) break;
      afterId = batch.lastId;
    }
  }

  const sum = (key: keyof RotationCounts) => tables.reduce((n, t) => n + t[key], 0);
  // a whole pass that found no row on an old key needs no count to know none is pending
  const pendingRotation = complete && batches === 0 ? 0 : await pendingAfter(ctx, keyring.currentKeyId);
  const result: RotationResult = {
    currentKeyId: keyring.currentKeyId,
    rotated: sum("rotated"),
    skipped: sum("skipped"),
    failed: sum("failed"),
    batches,
    complete,
    tables,
    failures,
    pendingRotation,
  };
  if (complete) await markRotationDone(ctx, keyring);
  const summary = { ...result, tables: undefined, failures: undefined };
  if (result.failed > 0)
    ctx.logger.warn("encryption rotation pass: some values could not be re-encrypted", summary);
  else if (result.rotated + result.skipped > 0 || !complete)
    ctx.logger.info("encryption rotation pass", summary);
  return result;
}
