/**
 * One JSON call to the control plane with a per-attempt timeout and, for
 * idempotent calls, bounded retries with jittered exponential backoff inside
 * an overall deadline. Failures become ControlPlaneError; the envelope's
 * code and details are kept so the domain can map them.
 */
import type { z } from "zod";
import type { Clock } from "../../shared/clock.ts";
import { ControlPlaneError } from "./errors.ts";
import type { CallOptions } from "./types.ts";

export interface HttpSettings {
  baseUrl: string;
  fetch: typeof fetch;
  clock: Clock;
  /** one attempt's timeout */
  timeoutMs: number;
  /** the overall deadline when the caller gives none */
  budgetMs: number;
  /** attempts when the caller says nothing */
  attempts: number;
  backoffBaseMs: number;
  backoffMaxMs: number;
}

export interface HttpCall<T> {
  method: "GET" | "POST";
  path: string;
  headers?: Record<string, string>;
  body?: unknown;
  schema: z.ZodType<T>;
  /** the answer is 304 Not Modified: no body to parse */
  allowNotModified?: boolean;
}

export type HttpAnswer<T> = { status: 304; headers: Headers } | { status: number; headers: Headers; body: T };

export async function callControlPlane<T>(
  settings: HttpSettings,
  call: HttpCall<T>,
  options: CallOptions = {},
): Promise<HttpAnswer<T>> {
  const deadline = (
    options.deadline ?? new Date(settings.clock.now().getTime() + settings.budgetMs)
  ).getTime();
  const maxAttempts = Math.max(1, options.attempts ?? settings.attempts);
  for (let attempt = 1; ; attempt++) {
    const remaining = deadline - settings.clock.now().getTime();
    if (remaining <= 0) throw unreachable(call, `deadline passed before attempt ${attempt}`);
    let failure: ControlPlaneError;
    try {
      return await attemptOnce(settings, call, Math.min(settings.timeoutMs, remaining));
    } catch (err) {
      if (!(err instanceof ControlPlaneError)) throw err;
      failure = err;
    }
    if (!failure.retryable || attempt >= maxAttempts) throw failure;
    const delay = backoffDelay(settings, attempt);
    if (settings.clock.now().getTime() + delay >= deadline) throw failure;
    await new Promise((resolve) => setTimeout(resolve, delay));
  }
}

/** Equal jitter: half the exponential step fixed, half random, so retrying agents spread out. */
function backoffDelay(settings: HttpSettings, attempt: number): number {
  const step = Math.min(settings.backoffMaxMs, settings.backoffBaseMs * 2 ** (attempt - 1));
  return step / 2 + Math.random() * (step / 2);
}

const label = (call: HttpCall<unknown>) => `${call.method} ${call.path}`;

function unreachable(call: HttpCall<unknown>, why: string, cause?: unknown): ControlPlaneError {
  return new ControlPlaneError({ kind: "unreachable", message: `${label(call)}: ${why}`, cause });
}

async function attemptOnce<T>(settings: HttpSettings, call: HttpCall<T>, timeoutMs: number) {
  let res: Response;
  let text: string;
  try {
    // appended, not resolved: a control plane behind a path prefix keeps its prefix
    res = await settings.fetch(`${settings.baseUrl.replace(/\/+$/, "")}${call.path}`, {
      method: call.method,
      headers: {
        accept: "application/json",
        ...(call.body !== undefined ? { "content-type": "application/json" } : {}),
        ...call.headers,
      },
      body: call.body !== undefined ? JSON.stringify(call.body) : undefined,
      signal: AbortSignal.timeout(timeoutMs),
    });
    text = await res.text();
  } catch (err) {
    const timedOut = err instanceof Error && (err.name === "TimeoutError" || err.name === "AbortError");
    const why = timedOut ? `no answer within ${timeoutMs} ms` : `unreachable (${networkReason(err)})`;
    throw unreachable(call, why, err);
  }
  if (res.status === 304 && call.allowNotModified) return { status: 304 as const, headers: res.headers };
  if (!res.ok) throw httpError(call, res.status, text);
  const parsed = call.schema.safeParse(parseJson(text));
  if (!parsed.success) {
    throw new ControlPlaneError({
      kind: "http",
      status: res.status,
      code: "bad_response",
      message: `${label(call)}: answer ${res.status} does not match the agent protocol (${parsed.error.issues[0]?.message ?? "invalid"})`,
    });
  }
  return { status: res.status, headers: res.headers, body: parsed.data };
}

function networkReason(err: unknown): string {
  const cause =
    err instanceof Error ? (err.cause as { code?: string; message?: string } | undefined) : undefined;
  return cause?.code ?? cause?.message ?? (err instanceof Error ? err.message : String(err));
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

function httpError(call: HttpCall<unknown>, status: number, text: string): ControlPlaneError {
  const envelope = parseJson(text) as
    | { error?: { code?: unknown; message?: unknown; details?: unknown } }
    | undefined;
  const error = envelope?.error;
  const code = typeof error?.code === "string" ? error.code : null;
  const message = typeof error?.message === "string" ? error.message : `HTTP ${status}`;
  const details =
    error?.details && typeof error.details === "object"
      ? (error.details as Record<string, unknown>)
      : undefined;
  return new ControlPlaneError({
    kind: "http",
    status,
    code,
    details,
    message: `${label(call)}: ${status}${code ? ` ${code}` : ""}: ${message}`,
  });
}
