/**
 * The one error a stored secret fails to open with. Code `internal`: a value
 * the control plane wrote and cannot read back is the server's fault, never
 * the caller's, and the client sees only the generic 500 envelope. The
 * message says which of the three things went wrong and never carries the
 * plaintext, the ciphertext or key material; `reason` is for code that must
 * tell them apart (a rotation job skipping unknown keys, say).
 */
import { AppError } from "../errors.ts";

export type DecryptionFailure = "malformed" | "unknown_key" | "authentication_failed";

export class DecryptionError extends AppError {
  readonly reason: DecryptionFailure;

  constructor(reason: DecryptionFailure, message: string, details?: Record<string, unknown>) {
    super("internal", message, { reason, ...details });
    this.name = "DecryptionError";
    this.reason = reason;
  }
}

export function isDecryptionError(err: unknown): err is DecryptionError {
  return err instanceof DecryptionError;
}
