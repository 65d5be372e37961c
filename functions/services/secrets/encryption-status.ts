/**
 * Where the sealed values stand against the keyring: the key each table's
 * values were written with, how many still wait for the rotation, and which
 * stored key ids the keyring cannot open. Counts only, never a value. With
 * no keyring it still answers (currentKeyId null, every value pending and
 * every key id unknown), so a Worker missing KSP_ENCRYPTION_KEYS says so here.
 */
import type { Keyring } from "../../lib/crypto/keyring.ts";
import type { ServiceCall } from "../context.ts";
import { countSealedValues, type SealedValueCount, storedKeyIds } from "./sealed-value-counts.ts";

export interface EncryptionStatus {
  /** the key new values are sealed with; null: no keyring configured */
  currentKeyId: string | null;
  /** every key the keyring holds, newest first */
  keyIds: string[];
  values: SealedValueCount[];
  /** values sealed with any key but the current one (unknown ones included) */
  pendingRotation: number;
  /** key ids stored values were sealed with that the keyring does not hold */
  unknownKeyIds: string[];
}

export function encryptionStatusOf(
  keyring: Keyring | undefined,
  values: SealedValueCount[],
): EncryptionStatus {
  const current = keyring?.currentKeyId ?? null;
  const held = new Set(keyring?.keyIds ?? []);
  const pendingRotation = values.reduce(
    (sum, v) =>
      sum + Object.entries(v.byKeyId).reduce((n, [id, count]) => n + (id === current ? 0 : count), 0),
    0,
  );
  return {
    currentKeyId: current,
    keyIds: [...(keyring?.keyIds ?? [])],
    values,
    pendingRotation,
    unknownKeyIds: storedKeyIds(values).filter((id) => !held.has(id)),
  };
}

export async function getEncryptionStatus({
  ctx,
}: ServiceCall<Record<string, never>>): Promise<EncryptionStatus> {
  return encryptionStatusOf(ctx.encryption, await countSealedValues(ctx.db));
}
