/**
 * Turns whatever a step threw into the error class and retryable flag a
 * result reports. SshError (and its subclasses PreconditionError and
 * CommandError) carry both; anything else is a bug or an unexpected failure
 * in the step itself, reported as a non-retryable command failure.
 */
import { SshError, type SshErrorClass } from "../ssh/types.ts";
import { CommandError } from "./errors.ts";

export interface Failure {
  errorClass: SshErrorClass;
  retryable: boolean;
  message: string;
  exitCode: number | null;
}

export function classifyFailure(error: unknown): Failure {
  if (error instanceof SshError) {
    return {
      errorClass: error.errorClass,
      retryable: error.retryable,
      message: error.message,
      exitCode: error instanceof CommandError ? error.exitCode : null,
    };
  }
  const message = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
  return { errorClass: "command", retryable: false, message, exitCode: null };
}
