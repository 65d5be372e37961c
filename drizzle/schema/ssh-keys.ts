import { sql } from "drizzle-orm";
import { boolean, check, index, integer, pgTable, text, uniqueIndex, uuid } from "drizzle-orm/pg-core";
import { createdAt, tstz, updatedAt } from "./columns.ts";

/**
 * SSH private keys kept for the shared inventory (`/v1/ssh-keys`): a machine's
 * `sshKeyRef` names one by `name`, and the control plane releases it only to
 * the agent of the cluster the machine is allocated to. The private key (and
 * its passphrase) exist here only as an envelope (lib/crypto) whose associated
 * data is the row's id; the public half and fingerprint are not secret.
 */
export const sshKeys = pgTable(
  "ssh_keys",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    name: text("name").notNull(),
    description: text("description").notNull().default(""),
    // the OpenSSH key type: ssh-ed25519, ssh-rsa, ecdsa-sha2-nistp256, ...
    algorithm: text("algorithm").notNull(),
    // SHA256:<base64>, as ssh-keygen -l prints it
    fingerprint: text("fingerprint").notNull(),
    // one authorized_keys line, to put on machines
    publicKey: text("public_key").notNull(),
    // envelope of {"privateKey", "passphrase"?} (JSON), associated data: the row's id
    secretCiphertext: text("secret_ciphertext").notNull(),
    // the key the envelope was sealed with, so rotation finds old values with an index, not by parsing
    encryptionKeyId: text("encryption_key_id").notNull(),
    // kept beside the envelope so listing keys never opens a secret
    hasPassphrase: boolean("has_passphrase").notNull().default(false),
    // bumped by every rotation of the SSH key itself; guards concurrent writers
    version: integer("version").notNull().default(1),
    rotatedAt: tstz("rotated_at"),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [
    uniqueIndex("ssh_keys_name_uq").on(t.name),
    index("ssh_keys_encryption_key_id_idx").on(t.encryptionKeyId),
    check("ssh_keys_version_ck", sql`${t.version} >= 1`),
  ],
);

export type SshKeyRow = typeof sshKeys.$inferSelect;
export type NewSshKeyRow = typeof sshKeys.$inferInsert;
