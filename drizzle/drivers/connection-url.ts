import { DatabaseOpenError } from "../errors.ts";

/** The parts of a DATABASE_URL that may be shown to people (no user, no password). */
export interface PostgresTarget {
  host: string;
  port: number;
  database: string;
}

/** Throws `dependency_unavailable` unless `url` is a postgres:// or postgresql:// URL. */
export function parsePostgresUrl(url: string): PostgresTarget {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new DatabaseOpenError("dependency_unavailable", "DATABASE_URL is not a valid postgres URL");
  }
  if ((parsed.protocol !== "postgres:" && parsed.protocol !== "postgresql:") || parsed.hostname === "") {
    throw new DatabaseOpenError("dependency_unavailable", "DATABASE_URL is not a valid postgres URL");
  }
  const port = parsed.port === "" ? 5432 : Number(parsed.port);
  const database = decodeURIComponent(parsed.pathname.replace(/^\//, "")) || "postgres";
  return { host: parsed.hostname, port, database };
}

export function describeTarget(target: PostgresTarget): string {
  return `${target.host}:${target.port}/${target.database}`;
}

// Postgres SQLSTATEs and socket errors people can act on, in plain words.
const REASONS: Record<string, string> = {
  ECONNREFUSED: "connection refused",
  ENOTFOUND: "host not found",
  EAI_AGAIN: "host lookup failed",
  ETIMEDOUT: "connection timed out",
  ECONNRESET: "connection reset",
  EHOSTUNREACH: "host unreachable",
  "28P01": "authentication failed",
  "28000": "authentication rejected",
  "3D000": "database does not exist",
  "57P03": "database is starting up",
  "53300": "too many connections",
};

/**
 * Turns a connect-time failure into one line naming the target, never the
 * password: messages from the driver are scrubbed of the URL's credentials.
 */
export function unavailableError(
  target: PostgresTarget,
  err: unknown,
  secrets: string[] = [],
): DatabaseOpenError {
  const code = errorCode(err);
  let reason = (code && REASONS[code]) || firstLine(err);
  for (const secret of secrets) if (secret) reason = reason.split(secret).join("****");
  return new DatabaseOpenError(
    "dependency_unavailable",
    `database unreachable at ${describeTarget(target)}: ${reason}`,
    {
      host: target.host,
      port: target.port,
    },
  );
}

/** The password and user of a URL, so messages can be scrubbed of them. */
export function urlSecrets(url: string): string[] {
  try {
    const parsed = new URL(url);
    return [parsed.password, decodeURIComponent(parsed.password)].filter((s) => s.length > 0);
  } catch {
    return [];
  }
}

function errorCode(err: unknown): string | undefined {
  if (typeof err !== "object" || err === null) return undefined;
  const e = err as { code?: unknown; errors?: unknown[]; cause?: unknown };
  if (typeof e.code === "string") return e.code;
  // net.connect to "localhost" may fail on several addresses at once
  if (Array.isArray(e.errors) && e.errors.length > 0) return errorCode(e.errors[0]);
  if (e.cause) return errorCode(e.cause);
  return undefined;
}

function firstLine(err: unknown): string {
  const text = err instanceof Error ? err.message : String(err);
  return (text.split("\n")[0] ?? "").trim() || "unknown error";
}

/** What both pg's and Neon's pools offer for a start-up check. */
interface CheckablePool {
  query(text: string): Promise<unknown>;
  end(): Promise<void>;
}

/** `select 1` through a fresh pool; on failure the pool is closed and a password-free one-line error thrown. */
export async function verifyReachable(
  pool: CheckablePool,
  url: string,
  target: PostgresTarget,
): Promise<void> {
  try {
    await pool.query("select 1");
  } catch (err) {
    await pool.end().catch(() => {});
    throw unavailableError(target, err, urlSecrets(url));
  }
}
