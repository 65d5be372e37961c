/**
 * Step failures that are not transport failures. Both extend SshError (the
 * transport's one error class) so the engine classifies every failure by
 * `errorClass` alone, whoever threw it.
 */
import { SshError } from "../ssh/types.ts";

/** A check found the host unusable (e.g. joined to another cluster). Never retried. */
export class PreconditionError extends SshError {
  constructor(message: string, options?: { cause?: unknown }) {
    super("precondition", message, { retryable: false, ...options });
    this.name = "PreconditionError";
  }
}

/** A remote command exited non-zero. Never retried: running it again gives the same answer. */
export class CommandError extends SshError {
  readonly exitCode: number | null;
  constructor(message: string, exitCode: number | null, options?: { cause?: unknown }) {
    super("command", message, { retryable: false, ...options });
    this.name = "CommandError";
    this.exitCode = exitCode;
  }
}
