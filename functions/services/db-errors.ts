/**
 * Turns Postgres errors that a request can cause (a duplicate name, a
 * dangling reference, a value out of range) into AppErrors, so clients get a
 * 4xx envelope instead of a 500. All three drivers (pg, Neon's serverless
 * driver, PGlite) raise errors carrying the SQLSTATE in `code`; drizzle wraps
 * them in an error whose `cause` is the driver's, so the cause chain is walked.
 * Only SQLSTATEs listed here are mapped: anything else is a bug or an outage
 * and stays a 500 / 503.
 *
 * This is also where drizzle/'s own error (DatabaseOpenError: the database
 * cannot be opened) becomes the AppError with the same code: drizzle/ imports
 * nothing from the control plane, and the HTTP error handler maps every error
 * it does not know through `mapDbError`.
 */
import { isDatabaseOpenError } from "../../drizzle/errors.ts";
import type { ErrorCode } from "../../proto/error-codes.ts";
import { AppError, isAppError } from "../lib/errors.ts";

/** The fields every driver's DatabaseError carries (pg-protocol's shape). */
interface PostgresErrorLike {
  code: string;
  message: string;
  constraint?: string | undefined;
  column?: string | undefined;
  detail?: string | undefined;
}

const SQLSTATE = /^[0-9A-Z]{5}$/;
const MAX_CAUSE_DEPTH = 8;

interface Mapping {
  code: ErrorCode;
  message: string;
  retry?: boolean;
}

const BY_SQLSTATE: Readonly<Record<string, Mapping>> = {
  "23505": { code: "conflict", message: "a resource with the same unique value already exists" },
  // Postgres 17+ reports ON DELETE RESTRICT with its own SQLSTATE instead of 23503
  "23001": { code: "conflict", message: "the resource is still referenced by others" },
  "23514": { code: "validation_failed", message: "a value breaks a rule of the resource" },
  "22P02": { code: "validation_failed", message: "a value has the wrong format" },
  "22003": { code: "validation_failed", message: "a number is out of range" },
  "22001": { code: "validation_failed", message: "a value is too long" },
  "22007": { code: "validation_failed", message: "a date or time has the wrong format" },
  "22008": { code: "validation_failed", message: "a date or time is out of range" },
  // NUL characters and the like: Postgres text and jsonb cannot store them
  "22021": { code: "validation_failed", message: "a value contains a character Postgres cannot store" },
  "22P05": { code: "validation_failed", message: "a value contains a character Postgres cannot store" },
  // malformed jsonb and other structurally invalid input
  "22P01": { code: "validation_failed", message: "a value has the wrong format" },
  "2201B": { code: "validation_failed", message: "a pattern in the query is not valid" },
  "54000": { code: "validation_failed", message: "a value is too large" },
  "40001": {
    code: "conflict",
    message: "a concurrent change got in the way; retry the request",
    retry: true,
  },
  "40P01": {
    code: "conflict",
    message: "a concurrent change got in the way (deadlock); retry the request",
    retry: true,
  },
};

const FOREIGN_KEY_VIOLATION = "23503";

/** The first error in the chain whose `code` is a SQLSTATE, or null. */
export function postgresErrorOf(err: unknown): PostgresErrorLike | null {
  let current: unknown = err;
  for (let depth = 0; depth < MAX_CAUSE_DEPTH && typeof current === "object" && current !== null; depth++) {
    const candidate = current as Partial<PostgresErrorLike> & { cause?: unknown };
    if (typeof candidate.code === "string" && SQLSTATE.test(candidate.code)) {
      return {
        code: candidate.code,
        message: typeof candidate.message === "string" ? candidate.message : "",
        constraint: stringOrUndefined(candidate.constraint),
        column: stringOrUndefined(candidate.column),
        detail: stringOrUndefined(candidate.detail),
      };
    }
    current = candidate.cause;
  }
  return null;
}

/**
 * The AppError a client should see for a database error it caused, or for a
 * database that cannot be opened (503 dependency_unavailable, 409 when another
 * process owns the data directory); null when the error is none of those
 * (callers rethrow the original then). An AppError is already mapped: it
 * yields null too.
 */
export function mapDbError(err: unknown): AppError | null {
  if (isAppError(err)) return null;
  if (isDatabaseOpenError(err)) return new AppError(err.code, err.message, err.details, { cause: err });
  const pgError = postgresErrorOf(err);
  if (!pgError) return null;
  const mapping =
    pgError.code === FOREIGN_KEY_VIOLATION ? foreignKeyMapping(pgError) : BY_SQLSTATE[pgError.code];
  if (!mapping) return null;

  const details: Record<string, unknown> = { sqlstate: pgError.code };
  if (pgError.constraint) details.constraint = pgError.constraint;
  if (pgError.column) details.column = pgError.column;
  if (mapping.retry) details.retry = true;
  const suffix = pgError.constraint ? ` (${pgError.constraint})` : "";
  return new AppError(mapping.code, `${mapping.message}${suffix}`, details, { cause: err });
}

/** Runs `work`, rethrowing database errors a client caused as AppErrors. */
export async function withDbErrors<T>(work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (err) {
    throw mapDbError(err) ?? err;
  }
}

/**
 * Postgres reports both sides of a foreign key through one SQLSTATE: writing a
 * row that points at nothing (the referenced resource is missing) and
 * deleting a row others still point at (it is in use). Its messages are the
 * only way to tell them apart; when they are localised, "conflict" is the
 * safer reading.
 */
function foreignKeyMapping(pgError: PostgresErrorLike): Mapping {
  const text = `${pgError.message}\n${pgError.detail ?? ""}`;
  if (/^insert or update on table/.test(pgError.message) || /is not present in table/.test(text)) {
    return { code: "not_found", message: "a referenced resource does not exist" };
  }
  return { code: "conflict", message: "the resource is still referenced by others" };
}

function stringOrUndefined(value: unknown): string | undefined {
  return typeof value === "string" && value !== "" ? value : undefined;
}
