/**
 * Features that store secrets (SSH keys, kubeconfigs) need a key to seal them
 * with. Without one they refuse with 503, naming the setting, instead of
 * storing anything in plain text.
 */
import type { Keyring } from "../../lib/crypto/keyring.ts";
import { AppError } from "../../lib/errors.ts";
import type { ServiceContext } from "../context.ts";

export function requireEncryption(ctx: ServiceContext, what: string): Keyring {
  if (ctx.encryption) return ctx.encryption;
  throw new AppError(
    "dependency_unavailable",
    `${what} needs encryption at rest: set KSP_ENCRYPTION_KEYS (id:base64 of 32 random bytes, e.g. "k1:$(openssl rand -base64 32)")`,
    { setting: "KSP_ENCRYPTION_KEYS" },
  );
}
