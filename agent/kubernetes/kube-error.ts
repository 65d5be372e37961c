/**
 * The Kubernetes adapters' one error class. client-node's own errors carry
 * whole response bodies and headers; this keeps the HTTP status and the API
 * server's Status reason/message (bounded), which is what callers decide on
 * and what is safe to log.
 */
import { KspError } from "../../shared/errors.ts";

export class KubeError extends KspError {
  /** HTTP status; undefined when the API server was not reached */
  readonly status: number | undefined;
  /** the Status reason, e.g. "NotFound", "Conflict", "TooManyRequests" */
  readonly reason: string | undefined;

  /** `code` is the Status reason when the API server gave one, else `http_<status>`, else `kube_error`. */
  constructor(message: string, options: { status?: number; reason?: string; cause?: unknown } = {}) {
    const code = options.reason ?? (options.status === undefined ? "kube_error" : `http_${options.status}`);
    super(code, message, undefined, options);
    this.name = "KubeError";
    this.status = options.status;
    this.reason = options.reason;
  }
}

export type DrainFailure = "timeout" | "blocked" | "aborted";

/** A drain that did not finish (`failure`, its code); `pods` names what was left ("namespace/name"). */
export class DrainError extends KspError<DrainFailure> {
  readonly pods: string[];

  constructor(failure: DrainFailure, message: string, pods: string[]) {
    super(failure, message);
    this.name = "DrainError";
    this.pods = pods;
  }

  get failure(): DrainFailure {
    return this.code;
  }
}

function statusOf(err: unknown): number | undefined {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === "number" ? code : undefined;
}

function statusBody(err: unknown): { reason?: string; message?: string } {
  const body = (err as { body?: unknown } | null)?.body;
  if (typeof body !== "string") return {};
  try {
    const parsed = JSON.parse(body) as { reason?: unknown; message?: unknown };
    return {
      ...(typeof parsed.reason === "string" ? { reason: parsed.reason } : {}),
      ...(typeof parsed.message === "string" ? { message: parsed.message.slice(0, 300) } : {}),
    };
  } catch {
    return {};
  }
}

/** A client-node (or network) failure as a KubeError: `what` says what was attempted. */
export function kubeError(what: string, err: unknown): KubeError {
  if (err instanceof KubeError) return err;
  const status = statusOf(err);
  if (status === undefined) {
    return new KubeError(`${what}: ${err instanceof Error ? err.message : String(err)}`, { cause: err });
  }
  const { reason, message } = statusBody(err);
  return new KubeError(`${what}: HTTP ${status}${message ? ` (${message})` : ""}`, {
    status,
    ...(reason ? { reason } : {}),
  });
}

export const isNotFound = (err: unknown): boolean => err instanceof KubeError && err.status === 404;
