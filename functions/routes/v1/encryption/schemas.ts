/** Schemas of the /v1/encryption routes: counts and key ids only, never a value or key material. */
import { z } from "@hono/zod-openapi";

const Count = z.number().int().min(0);
const KeyId = z.string().openapi({ example: "k2" });

export const SealedValueCountSchema = z
  .object({
    table: z.string().openapi({ example: "cluster_kubeconfigs" }),
    total: Count,
    byKeyId: z
      .record(z.string(), Count)
      .openapi({ description: "values per key id they were sealed with", example: { k2: 40, k1: 2 } }),
  })
  .openapi("SealedValueCount");

export const EncryptionStatusSchema = z
  .object({
    currentKeyId: KeyId.nullable().openapi({
      description:
        "the key new values are sealed with (the first of KSP_ENCRYPTION_KEYS); null: none configured",
    }),
    keyIds: z.array(KeyId).openapi({ description: "every key the control plane holds, newest first" }),
    values: z
      .array(SealedValueCountSchema)
      .openapi({ description: "one entry per table that holds secrets" }),
    pendingRotation: Count.openapi({
      description: "values sealed with any key but the current one; 0 means older keys can be removed",
    }),
    unknownKeyIds: z.array(KeyId).openapi({
      description:
        "key ids stored values were sealed with that the control plane does not hold: they cannot be read",
    }),
  })
  .openapi("EncryptionStatus");

const Counts = {
  rotated: Count.openapi({ description: "sealed again with the current key" }),
  skipped: Count.openapi({
    description: "replaced or deleted by another writer meanwhile (which already used the current key)",
  }),
  failed: Count.openapi({ description: "could not be opened (unknown key, tampered); left as they are" }),
};

export const RotationResultSchema = z
  .object({
    currentKeyId: KeyId,
    ...Counts,
    batches: Count,
    complete: z.boolean().openapi({
      description: "every value on an older key was visited; false: the pass hit its bound, run it again",
    }),
    tables: z.array(z.object({ table: z.string(), ...Counts })),
    failures: z
      .array(
        z.object({
          table: z.string(),
          id: z.string().openapi({ description: "the row's id" }),
          keyId: KeyId,
          reason: z.enum(["malformed", "unknown_key", "authentication_failed"]),
        }),
      )
      .openapi({ description: "the first values that could not be re-encrypted (all are logged)" }),
    pendingRotation: Count.openapi({ description: "values still on a key other than the current one" }),
  })
  .openapi("EncryptionRotation");
