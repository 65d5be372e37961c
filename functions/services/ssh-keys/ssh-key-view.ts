/**
 * What the API shows of a stored SSH key: never the private key or its
 * passphrase. Built from plain columns only, so reading keys never opens a
 * secret (nor needs the encryption key).
 */
import { eq } from "drizzle-orm";
import type { Db } from "../../../drizzle/client.ts";
import { type SshKeyRow, sshKeys } from "../../../drizzle/schema/ssh-keys.ts";
import { AppError } from "../../lib/errors.ts";
import { isUuid } from "../machines/ids.ts";

export const SSH_KEYS_FEATURE = "the SSH key store";

export interface SshKeyView {
  id: string;
  name: string;
  description: string;
  algorithm: string;
  fingerprint: string;
  publicKey: string;
  hasPassphrase: boolean;
  version: number;
  rotatedAt: string | null;
  createdAt: string;
  updatedAt: string;
}

export function toSshKeyView(row: SshKeyRow): SshKeyView {
  return {
    id: row.id,
    name: row.name,
    description: row.description,
    algorithm: row.algorithm,
    fingerprint: row.fingerprint,
    publicKey: row.publicKey,
    hasPassphrase: row.hasPassphrase,
    version: row.version,
    rotatedAt: row.rotatedAt?.toISOString() ?? null,
    createdAt: row.createdAt.toISOString(),
    updatedAt: row.updatedAt.toISOString(),
  };
}

export function sshKeyNotFound(ref: string): AppError {
  return new AppError("not_found", `SSH key ${ref} not found`, { sshKey: ref });
}

/** By id or by name (names are never UUIDs); not_found otherwise. */
export async function findSshKey(db: Db, ref: string): Promise<SshKeyRow> {
  const [row] = await db
    .select()
    .from(sshKeys)
    .where(isUuid(ref) ? eq(sshKeys.id, ref) : eq(sshKeys.name, ref));
  if (!row) throw sshKeyNotFound(ref);
  return row;
}
