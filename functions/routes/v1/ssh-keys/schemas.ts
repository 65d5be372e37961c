/**
 * Shapes of the /v1/ssh-keys routes. A key is shown by its public half and
 * fingerprint only: no schema here has a field for the private key or the
 * passphrase on the way out.
 */
import { z } from "@hono/zod-openapi";
import {
  SSH_KEY_DESCRIPTION_MAX,
  SSH_KEY_NAME_PATTERN,
  SSH_KEY_NAME_RULE,
} from "../../../services/ssh-keys/ssh-key-names.ts";

/** The largest OpenSSH private key file there is (RSA 16384) is about 12.5 KiB. */
const PRIVATE_KEY_MAX = 16 * 1024;
const PASSPHRASE_MAX = 1024;
const NO_CONTROL_CHARS = /^[^\p{Cc}]*$/u;

export const SshKeyNameSchema = z
  .string()
  .regex(SSH_KEY_NAME_PATTERN, { message: `must be ${SSH_KEY_NAME_RULE}` })
  .openapi({
    description: `what a machine's sshKeyRef names (no sshKeyRef: the key named "default"); ${SSH_KEY_NAME_RULE}`,
    example: "default",
  });

const DescriptionSchema = z
  .string()
  .max(SSH_KEY_DESCRIPTION_MAX)
  .refine((t) => NO_CONTROL_CHARS.test(t.replace(/[\t\n\r]/g, " ")), {
    message: "must not contain control characters other than line breaks and tabs",
  })
  .openapi({ description: "free text", example: "root key for rack 4" });

const PrivateKeySchema = z
  .string()
  .min(1)
  .max(PRIVATE_KEY_MAX)
  .openapi({
    description:
      "an OpenSSH private key file's text (-----BEGIN OPENSSH PRIVATE KEY-----), as ssh-keygen writes it. " +
      "PEM/PKCS#8 keys are refused: convert them with `ssh-keygen -p -f <file>`. Leave out to generate an ed25519 key.",
  });

const PassphraseSchema = z.string().min(1).max(PASSPHRASE_MAX).openapi({
  description: "the key's passphrase: required for a passphrase-protected key, refused for any other",
});

export const CreateSshKeyBody = z
  .strictObject({
    name: SshKeyNameSchema,
    description: DescriptionSchema.optional(),
    privateKey: PrivateKeySchema.optional(),
    passphrase: PassphraseSchema.optional(),
  })
  .openapi("CreateSshKeyRequest", { example: { name: "default", description: "generated for the pool" } });

export const RotateSshKeyBody = z
  .strictObject({ privateKey: PrivateKeySchema.optional(), passphrase: PassphraseSchema.optional() })
  .openapi("RotateSshKeyRequest", {
    description:
      "A new key pair under the same name: the given private key, or a new ed25519 key when none is given.",
    example: {},
  });

export const UpdateSshKeyBody = z
  .strictObject({ description: DescriptionSchema })
  .openapi("UpdateSshKeyRequest", { example: { description: "root key for rack 4 and 5" } });

export const SshKeySchema = z
  .object({
    id: z.uuid(),
    name: z.string(),
    description: z.string(),
    algorithm: z.string().openapi({ example: "ssh-ed25519" }),
    fingerprint: z.string().openapi({ description: "as `ssh-keygen -l` prints it", example: "SHA256:…" }),
    publicKey: z.string().openapi({ description: "an authorized_keys line to put on the machines" }),
    hasPassphrase: z.boolean(),
    version: z.number().int().openapi({ description: "1, and one more for every rotation" }),
    rotatedAt: z.string().nullable(),
    createdAt: z.string(),
    updatedAt: z.string(),
  })
  .openapi("SshKey");

export const SshKeyParams = z.object({
  sshKey: z
    .string()
    .min(1)
    .max(63)
    .openapi({
      param: { name: "sshKey", in: "path" },
      description: "the key's id or name",
      example: "default",
    }),
});

export const SSH_KEY_STORE_NOTE =
  "Needs KSP_ENCRYPTION_KEYS (the key is sealed at rest): without it, a 503 dependency_unavailable names the setting.";
