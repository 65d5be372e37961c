/**
 * A failed control-plane call, typed so the domain can decide without
 * parsing messages: `unreachable` (network error, timeout: nothing known
 * about the outcome) or `http` (the control plane answered with an error
 * envelope, or with a body that does not parse). Messages never carry the
 * credential.
 */
export type ControlPlaneErrorKind = "unreachable" | "http";

export class ControlPlaneError extends Error {
  readonly kind: ControlPlaneErrorKind;
  /** the HTTP status; null when unreachable */
  readonly status: number | null;
  /** error.code of the envelope (e.g. not_enough_machines); null when unreachable or not an envelope */
  readonly code: string | null;
  readonly details: Record<string, unknown> | undefined;

  constructor(input: {
    kind: ControlPlaneErrorKind;
    message: string;
    status?: number | null;
    code?: string | null;
    details?: Record<string, unknown>;
    cause?: unknown;
  }) {
    super(input.message, { cause: input.cause });
    this.name = "ControlPlaneError";
    this.kind = input.kind;
    this.status = input.status ?? null;
    this.code = input.code ?? null;
    this.details = input.details;
  }

  /** Worth another attempt: the control plane was unreachable, overloaded or failing. */
  get retryable(): boolean {
    if (this.kind === "unreachable") return true;
    return this.status !== null && (this.status >= 500 || this.status === 429);
  }
}

export function isControlPlaneError(err: unknown): err is ControlPlaneError {
  return err instanceof ControlPlaneError;
}
