/**
 * Turns every failure into the JSON error envelope. Statuses come only from
 * http/error-map.ts. Unexpected errors answer a generic 500; their message and
 * stack go to the log, never to the client. A client that went away while its
 * body was being read is no server error: it is logged at info as "client
 * aborted" and answered (to no one) with 499, which is what the access log shows.
 */
import type { Hook } from "@hono/zod-openapi";
import type { Context, ErrorHandler, NotFoundHandler } from "hono";
import { HTTPException } from "hono/http-exception";
import type { ErrorCode } from "../../proto/error-codes.ts";
import type { Logger } from "../../shared/logger.ts";
import { ERROR_STATUS, errorEnvelope, statusForCode } from "../http/error-map.ts";
import type { AppEnv } from "../http/hono-env.ts";
import { AppError, isAppError } from "../lib/errors.ts";
import { mapDbError } from "../services/db-errors.ts";

const GENERIC_INTERNAL = "internal error; quote the request id when reporting it";
/** nginx's "client closed request"; never seen by the client, only in the access log. */
export const CLIENT_ABORTED_STATUS = 499;

interface NodeIncoming {
  aborted?: boolean;
  readableAborted?: boolean;
  complete?: boolean;
  destroyed?: boolean;
}

/**
 * The client went away before its request was read: the request's signal fired (Workers, and
 * Node once the response side closed), or Node's incoming stream was cut short. Judged from the
 * request, not the error, so a database connection reset is still a 500.
 */
export function isClientAbort(c: Context): boolean {
  if (c.req.raw.signal?.aborted) return true;
  const incoming = (c.env as { incoming?: NodeIncoming } | undefined)?.incoming;
  if (!incoming) return false;
  return (
    incoming.aborted === true ||
    incoming.readableAborted === true ||
    (incoming.destroyed === true && incoming.complete === false)
  );
}

function requestIdOf(c: Context): string {
  return (c.get("requestId") as string | undefined) ?? "unknown";
}
/** Hono raises HTTPException itself (malformed JSON, for one); keep its status, speak our codes. */
function fromHttpException(err: HTTPException): AppError {
  if (err.status === 400 && /json/i.test(err.message)) {
    return new AppError("bad_request", "request body is not valid JSON");
  }
  const code = (Object.keys(ERROR_STATUS) as ErrorCode[]).find((k) => ERROR_STATUS[k] === err.status);
  if (!code) return new AppError("internal", GENERIC_INTERNAL);
  return new AppError(code, err.message || code.replace(/_/g, " "));
}

export function errorHandler(logger: Logger): ErrorHandler<AppEnv> {
  return (err, c) => {
    const requestId = requestIdOf(c);
    if (isClientAbort(c)) {
      logger.info("client aborted", { requestId, method: c.req.method, path: c.req.path });
      return c.body(null, CLIENT_ABORTED_STATUS as 500);
    }
    // A database error caused by the input (a NUL byte, a duplicate, a value out of range) is the
    // caller's 4xx even where a service did not anticipate it; only the rest is a 500.
    const known = isAppError(err)
      ? err
      : err instanceof HTTPException
        ? fromHttpException(err)
        : (mapDbError(err) ?? undefined);
    if (!known || known.code === "internal") {
      logger.error("unhandled error", {
        requestId,
        method: c.req.method,
        path: c.req.path,
        error: err,
        stack: err instanceof Error ? err.stack : undefined,
      });
      return c.json(errorEnvelope("internal", GENERIC_INTERNAL, requestId), 500);
    }
    const status = statusForCode(known.code);
    if (status >= 500)
      logger.warn("request failed", { requestId, code: known.code, error: known, cause: known.cause });
    return c.json(errorEnvelope(known.code, known.message, requestId, known.details), status);
  };
}

export const notFoundHandler: NotFoundHandler<AppEnv> = (c) =>
  c.json(errorEnvelope("not_found", `no route for ${c.req.method} ${c.req.path}`, requestIdOf(c)), 404);

/** 405 with an Allow header, as RFC 9110 asks. */
export function methodNotAllowedResponse(c: Context<AppEnv>, allowed: string[]): Response {
  const message = `method ${c.req.method} is not allowed on ${c.req.path}; allowed: ${allowed.join(", ")}`;
  return c.json(errorEnvelope("method_not_allowed", message, requestIdOf(c), { allowed }), 405, {
    Allow: allowed.join(", "),
  });
}

/**
 * An issue's path as a reader writes it: array positions in brackets, object
 * keys after dots (`groups[1].blocks[0].operator`); "" for the input as a whole.
 */
export function issuePath(path: readonly PropertyKey[]): string {
  let out = "";
  for (const part of path) {
    if (typeof part === "number") out += `[${part}]`;
    else out += out === "" ? String(part) : `.${String(part)}`;
  }
  return out;
}

/**
 * zod-openapi calls this after validating params, query, headers and bodies.
 * The message names the first offending path and what is wrong there; every
 * issue is in `details.issues`.
 */
export const validationHook: Hook<unknown, AppEnv, string, void> = (result) => {
  if (result.success) return;
  const issues = result.error.issues.map((issue) => ({
    path: issuePath(issue.path),
    code: issue.code,
    message: issue.message,
  }));
  const first = issues[0];
  const where = first ? (first.path === "" ? `: ${first.message}` : `: ${first.path}: ${first.message}`) : "";
  throw new AppError("validation_failed", `invalid request ${result.target}${where}`, {
    target: result.target,
    issues,
  });
};
