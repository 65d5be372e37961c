/**
 * A failed control-plane call, typed so the domain can decide without
 * parsing messages: `unreachable` (network error, timeout: nothing known
 * about the outcome) or `http` (the control plane answered with an error
 * envelope, or with a body that does not parse). Messages never carry the
 * credential.
 */
import { KspError } from "../../shared/errors.ts";

export type ControlPlaneErrorKind = "unreachable" | "http";

/** `code` is error.code of the envelope (e.g. not_enough_machines); null when unreachable or not an envelope. */
export class ControlPlaneError extends KspError<string | null> {
  readonly kind: ControlPlaneErrorKind;
  /** the HTTP status; null when unreachable */
  readonly status: number | null;

  constructor(input: {
    kind: ControlPlaneErrorKind;
    message: string;
    status?: number | null;
    code?: string | null;
    details?: Record<string, unknown>;
    cause?: unknown;
  }) {
    super(input.code ?? null, input.message, input.details, { cause: input.cause });
    this.name = "ControlPlaneError";
    this.kind = input.kind;
    this.status = input.status ?? null;
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
