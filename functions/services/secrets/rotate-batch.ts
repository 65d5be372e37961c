/**
 * One batch of the rotation for one sealed column: the next rows (by id,
 * after `afterId`) whose key id is not the current one, each opened with its
 * record's associated data and sealed again with the current key. The write
 * is guarded by the old ciphertext, so a writer that replaced the value in
 * between (a rotated SSH key, a new kubeconfig) wins: it already used the
 * current key, and the lost race is counted as skipped. A value that cannot
 * be opened (its key is not in the keyring, or it does not authenticate) is
 * reported by row id and key id, never by content, and left as it is.
 */
import { and, asc, gt, ne, sql } from "drizzle-orm";
import type { Db } from "../../../drizzle/client.ts";
import { resultRows } from "../../../drizzle/drivers/rows.ts";
import { isDecryptionError } from "../../lib/crypto/decryption-error.ts";
import type { Keyring } from "../../lib/crypto/keyring.ts";
import type { SEALED_VALUES } from "./sealed-values.ts";

export type SealedColumn = (typeof SEALED_VALUES)[number];

export interface RotationFailure {
  table: string;
  id: string;
  /** the key id the row names */
  keyId: string;
  reason: "malformed" | "unknown_key" | "authentication_failed";
}

export interface BatchOutcome {
  /** rows the batch looked at; fewer than the limit: the column has no more after them */
  selected: number;
  /** the last row's id, where the next batch starts */
  lastId: string | null;
  rotated: number;
  /** replaced or deleted by someone else meanwhile */
  skipped: number;
  failures: RotationFailure[];
}

export async function rotateBatch(
  db: Db,
  keyring: Keyring,
  column: SealedColumn,
  page: { afterId: string | null; limit: number },
): Promise<BatchOutcome> {
  const current = keyring.currentKeyId;
  const rows = await db
    .select({ id: column.id, ciphertext: column.ciphertext, keyId: column.keyId })
    .from(column.table)
    .where(and(ne(column.keyId, current), page.afterId === null ? undefined : gt(column.id, page.afterId)))
    .orderBy(asc(column.id))
    .limit(page.limit);
  const outcome: BatchOutcome = {
    selected: rows.length,
    lastId: rows.at(-1)?.id ?? null,
    rotated: 0,
    skipped: 0,
    failures: [],
  };
  for (const row of rows) {
    const aad = column.aad(row.id);
    let plaintext: Uint8Array;
    try {
      plaintext = await keyring.decrypt(row.ciphertext, aad);
    } catch (err) {
      if (!isDecryptionError(err)) throw err;
      outcome.failures.push({ table: column.name, id: row.id, keyId: row.keyId, reason: err.reason });
      continue;
    }
    const sealed = await keyring.encrypt(plaintext, aad);
    // SET takes bare column names; WHERE may name them qualified
    const written = await db.execute(sql`
      update ${column.table}
      set ${sql.identifier(column.ciphertext.name)} = ${sealed}, ${sql.identifier(column.keyId.name)} = ${current}
      where ${column.id} = ${row.id} and ${column.ciphertext} = ${row.ciphertext}
      returning 1 as one`);
    if (resultRows(written).length > 0) outcome.rotated++;
    else outcome.skipped++;
  }
  return outcome;
}
