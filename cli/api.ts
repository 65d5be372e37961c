/**
 * The CLI's HTTP client for the control plane REST API. It turns every way a
 * request can fail into a `CliError` carrying the one line to print, so the
 * commands only deal with answers they expect.
 */
import type { CliConfig } from "./config.ts";
import { formatError, formatErrorEnvelope, isErrorEnvelope } from "./output.ts";

export type Fetch = typeof fetch;

const REQUEST_TIMEOUT_MS = 10_000;

/** A failure already phrased for the terminal; `run` prints `line` and exits with `exitCode`. */
export class CliError extends Error {
  readonly line: string;
  readonly exitCode: number;

  constructor(line: string, exitCode = 1) {
    super(line);
    this.name = "CliError";
    this.line = line;
    this.exitCode = exitCode;
  }
}

export interface ApiResponse {
  status: number;
  body: unknown;
}

export interface RequestOptions {
  /** Statuses the caller handles itself; anything else outside 2xx becomes a CliError. */
  acceptStatuses?: readonly number[];
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

export async function apiRequest(
  config: CliConfig,
  fetchImpl: Fetch,
  method: string,
  path: string,
  options: RequestOptions = {},
): Promise<ApiResponse> {
  const headers: Record<string, string> = { accept: "application/json" };
  if (config.token) headers.authorization = `Bearer ${config.token}`;
  let response: Response;
  try {
    response = await fetchImpl(`${config.url}${path}`, {
      method,
      headers,
      signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
    });
  } catch (err) {
    throw new CliError(
      formatError(`cannot reach the control plane at ${config.url} (${describeNetworkFailure(err)})`),
    );
  }
  const text = await response.text();
  let body: unknown = text;
  try {
    body = text === "" ? null : JSON.parse(text);
  } catch {
    // Not JSON (a proxy's HTML error page, say); keep the text for the fallback message.
  }
  const accepted =
    (response.status >= 200 && response.status < 300) || options.acceptStatuses?.includes(response.status);
  if (accepted) return { status: response.status, body };
  if (isErrorEnvelope(body)) throw new CliError(formatErrorEnvelope(body));
  throw new CliError(
    formatError(`${method} ${path} answered HTTP ${response.status} ${response.statusText}`.trim()),
  );
}
