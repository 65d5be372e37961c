/**
 * The CLI's HTTP client for the control plane REST API: openapi-fetch typed by
 * proto/generated/rest-api.ts (npm run gen:api-client), so a request or answer
 * that drifts from /openapi.json is a compile error. Every way a request can
 * fail becomes a `CliError` carrying what to print and the exit code, so the
 * commands only deal with answers they expect.
 */
import createClient, { type Client } from "openapi-fetch";
import type { components, paths } from "../proto/generated/rest-api.ts";
import { EXIT_FAILURE, EXIT_UNREACHABLE, EXIT_USAGE, exitCodeForStatus } from "./exit-codes.ts";
import { formatError, formatErrorEnvelope, isErrorEnvelope, renderCandidates } from "./output.ts";

export type Fetch = typeof fetch;
export type ApiClient = Client<paths>;
/** A named schema of /openapi.json, e.g. `Schema<"Cluster">`. */
export type Schema<Name extends keyof components["schemas"]> = components["schemas"][Name];

const REQUEST_TIMEOUT_MS = 30_000;

/** A failure already phrased for the terminal; `run` prints `line` (then `detail`) and exits with `exitCode`. */
export class CliError extends Error {
  readonly line: string;
  /** More lines after the one-line error, e.g. the candidates of an ambiguous name. */
  readonly detail: string;
  readonly exitCode: number;

  constructor(line: string, options: { exitCode?: number; detail?: string } = {}) {
    super(line);
    this.name = "CliError";
    this.line = line;
    this.detail = options.detail ?? "";
    this.exitCode = options.exitCode ?? EXIT_FAILURE;
  }
}

export function usageError(message: string): CliError {
  return new CliError(formatError(message), { exitCode: EXIT_USAGE });
}

function describeNetworkFailure(err: unknown): string {
  if (err instanceof DOMException && (err.name === "TimeoutError" || err.name === "AbortError")) {
    return `timed out after ${REQUEST_TIMEOUT_MS / 1000}s`;
  }
  const cause = (err as { cause?: { code?: unknown; message?: unknown } }).cause;
  if (typeof cause?.code === "string") return cause.code;
  if (typeof cause?.message === "string") return cause.message;
  return err instanceof Error ? err.message : String(err);
}

/** The request each response answered, for messages that name it (openapi-fetch hands back only the response). */
const requestOf = new WeakMap<Response, Request>();

/** One timeout per request, and an unreachable server phrased as a CliError. */
function guardedFetch(url: string, fetchImpl: Fetch) {
  return async (request: Request): Promise<Response> => {
    let response: Response;
    try {
      response = await fetchImpl(request, { signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS) });
    } catch (err) {
      throw new CliError(
        formatError(`cannot reach the control plane at ${url} (${describeNetworkFailure(err)})`),
        { exitCode: EXIT_UNREACHABLE },
      );
    }
    requestOf.set(response, request);
    return response;
  };
}

export interface Connection {
  /** Base URL without a trailing slash; never holds credentials. */
  url: string;
  token: string | null;
}

export function createApiClient(connection: Connection, fetchImpl: Fetch): ApiClient {
  const headers: Record<string, string> = { accept: "application/json" };
  if (connection.token) headers.authorization = `Bearer ${connection.token}`;
  return createClient<paths>({
    baseUrl: connection.url,
    fetch: guardedFetch(connection.url, fetchImpl),
    headers,
  });
}

/** What openapi-fetch resolves to, whatever the operation. */
export interface ApiResult<T> {
  data?: T;
  error?: unknown;
  response: Response;
}

/** The `details.candidates` of an ambiguous name (409), when the envelope lists them. */
function candidatesOf(details: Record<string, unknown> | undefined): Record<string, unknown>[] {
  const candidates = details?.candidates;
  if (!Array.isArray(candidates)) return [];
  return candidates.filter(
    (candidate): candidate is Record<string, unknown> => typeof candidate === "object" && candidate !== null,
  );
}

/** The CliError for an answer outside 2xx: the API's envelope when there is one, else the HTTP status. */
export function errorFor(response: Response, body: unknown): CliError {
  const exitCode = exitCodeForStatus(response.status);
  if (isErrorEnvelope(body)) {
    const candidates = candidatesOf(body.error.details);
    const detail =
      candidates.length > 0 ? renderCandidates(candidates, body.error.details?.truncated === true) : "";
    return new CliError(formatErrorEnvelope(body), { detail, exitCode });
  }
  const request = requestOf.get(response);
  const target = request ? `${request.method} ${new URL(request.url).pathname}` : "the request";
  return new CliError(
    formatError(`${target} answered HTTP ${response.status} ${response.statusText}`.trim()),
    { exitCode },
  );
}

/** The body of a 2xx answer; anything else throws the CliError to print. */
export function dataOf<T>(result: ApiResult<T>): T {
  if (!result.response.ok) throw errorFor(result.response, result.error);
  return result.data as T;
}

/** A page of a list route. */
export interface Page<T> {
  items: T[];
  nextCursor: string | null;
}

const PAGE_SIZE = 500;

/**
 * Every item of a paginated list, page by page (500 a request), stopping at
 * `limit` items when one is given.
 */
export async function collectPages<T>(
  fetchPage: (query: { limit: number; cursor?: string }) => Promise<ApiResult<Page<T>>>,
  limit?: number,
): Promise<T[]> {
  const items: T[] = [];
  let cursor: string | undefined;
  do {
    const want = limit === undefined ? PAGE_SIZE : Math.min(PAGE_SIZE, limit - items.length);
    const page = dataOf(await fetchPage({ limit: want, ...(cursor ? { cursor } : {}) }));
    items.push(...page.items);
    cursor = page.nextCursor ?? undefined;
  } while (cursor && (limit === undefined || items.length < limit));
  return items;
}
