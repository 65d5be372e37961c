/**
 * The base of every error class on both sides (functions' AppError, the
 * agent's AgentError, ControlPlaneError, SshError, KubeError...). Each side
 * narrows `code` to its own table, and each transport maps the code through
 * one table; nobody decides by parsing a message. `details` carries
 * structured facts such as counts, never secrets.
 */
export class KspError<Code extends string | null = string> extends Error {
  /**
   * What went wrong, machine-readable. null only where a failure has no code
   * to give (a control-plane call that got no answer at all).
   */
  readonly code: Code;
  readonly details: Record<string, unknown> | undefined;

  constructor(code: Code, message: string, details?: Record<string, unknown>, options?: { cause?: unknown }) {
    // no `cause` property at all unless there is one, as with a plain Error
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.name = "KspError";
    this.code = code;
    this.details = details;
  }
}

export function isKspError(err: unknown): err is KspError<string | null> {
  return err instanceof KspError;
}
