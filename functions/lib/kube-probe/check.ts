/**
 * The check itself, runtime-neutral: GET /version, then GET /api/v1/nodes in
 * pages (`limit` + `continue`, so a cluster of thousands of Nodes is never one
 * huge answer), all within one deadline, and every failure classified:
 * 401/403 → unauthorized; no answer, a timeout, TLS, 5xx or an answer that is
 * not the Kubernetes API → unreachable. Error texts name the request and the
 * status, never a header or a body, and the credential is scrubbed from them
 * anyway in case a runtime ever quoted one.
 */
import type { KubeconfigAuth } from "../kubeconfig/types.ts";
import { emptyTally, readNodeListPage, tallyNodes } from "./nodes.ts";
import {
  type ProbeGet,
  type ProbeOptions,
  type ProbeResponse,
  type ProbeResult,
  ProbeTransportError,
} from "./types.ts";

export const NODE_PAGE_SIZE = 500;
/** 500 × 400 = 200,000 Nodes: beyond any cluster; stops a server that keeps answering `continue`. */
const MAX_NODE_PAGES = 400;

class CheckFailure extends Error {
  constructor(
    readonly kind: "unauthorized" | "unreachable",
    message: string,
  ) {
    super(message);
  }
}

/** The values an error text must never contain. */
export function secretsOf(auth: KubeconfigAuth): string[] {
  switch (auth.kind) {
    case "token":
      return [auth.token];
    case "basic":
      return [auth.password, auth.username];
    case "client-certificate":
      return [auth.keyPem];
  }
}

export function scrub(text: string, secrets: readonly string[]): string {
  let out = text;
  for (const secret of secrets) if (secret.length >= 4) out = out.split(secret).join("[redacted]");
  return out.length > 300 ? `${out.slice(0, 297)}...` : out;
}

function statusFailure(path: string, res: ProbeResponse): CheckFailure {
  const what = `GET ${path.split("?")[0]} answered HTTP ${res.status}`;
  if (res.status === 401) return new CheckFailure("unauthorized", `${what}: the credentials were refused`);
  if (res.status === 403) {
    return new CheckFailure(
      "unauthorized",
      `${what}: the kubeconfig's user is not allowed to read it (RBAC)`,
    );
  }
  if (res.status >= 300 && res.status < 400) {
    return new CheckFailure("unreachable", `${what} (a redirect): the server URL is not the API server`);
  }
  if (res.status === 404) {
    return new CheckFailure("unreachable", `${what}: is the server URL a Kubernetes API server?`);
  }
  return new CheckFailure("unreachable", what);
}

function json(path: string, res: ProbeResponse): unknown {
  try {
    return JSON.parse(res.body);
  } catch {
    throw new CheckFailure(
      "unreachable",
      `GET ${path.split("?")[0]} did not answer JSON: is the server URL a Kubernetes API server?`,
    );
  }
}

async function getJson(get: ProbeGet, path: string, signal: AbortSignal): Promise<unknown> {
  const res = await get(path, signal);
  if (res.status < 200 || res.status >= 300) throw statusFailure(path, res);
  return json(path, res);
}

function nodesPath(continueToken: string | undefined): string {
  const query = `limit=${NODE_PAGE_SIZE}${continueToken ? `&continue=${encodeURIComponent(continueToken)}` : ""}`;
  return `/api/v1/nodes?${query}`;
}

/** Runs the check through a runtime's GET; never throws for anything the API server did. */
export async function runCheck(
  get: ProbeGet,
  options: ProbeOptions,
  secrets: readonly string[],
): Promise<ProbeResult> {
  const deadline = new AbortController();
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    deadline.abort();
  }, options.timeoutMs);
  const onAbort = () => deadline.abort();
  options.signal?.addEventListener("abort", onAbort, { once: true });
  if (options.signal?.aborted) deadline.abort();
  const started = Date.now();
  let gitVersion: string | undefined;
  let latencyMs: number | undefined;
  try {
    const version = await getJson(get, "/version", deadline.signal);
    const v = (version as { gitVersion?: unknown } | null)?.gitVersion;
    if (typeof v !== "string" || v === "") {
      throw new CheckFailure(
        "unreachable",
        "GET /version has no gitVersion: is this a Kubernetes API server?",
      );
    }
    gitVersion = v;
    latencyMs = Date.now() - started;
    const tally = emptyTally();
    let continueToken: string | undefined;
    for (let page = 0; page < MAX_NODE_PAGES; page++) {
      const body = await getJson(get, nodesPath(continueToken), deadline.signal);
      const list = readNodeListPage(body);
      if (!list) throw new CheckFailure("unreachable", "GET /api/v1/nodes did not answer a NodeList");
      tallyNodes(tally, list.items);
      continueToken = list.continueToken;
      if (!continueToken) break;
    }
    return {
      reachable: true,
      latencyMs,
      gitVersion,
      nodes: { total: tally.total, ready: tally.ready },
      capacity: tally.capacity,
      allocatable: tally.allocatable,
    };
  } catch (err) {
    const failure = classify(err, { timedOut, timeoutMs: options.timeoutMs });
    return {
      reachable: false,
      kind: failure.kind,
      error: scrub(failure.message, secrets),
      ...(gitVersion === undefined ? {} : { gitVersion }),
      ...(latencyMs === undefined ? {} : { latencyMs }),
    };
  } finally {
    clearTimeout(timer);
    options.signal?.removeEventListener("abort", onAbort);
  }
}

function classify(err: unknown, at: { timedOut: boolean; timeoutMs: number }): CheckFailure {
  if (err instanceof CheckFailure) return err;
  if (at.timedOut) {
    return new CheckFailure("unreachable", `no answer within ${formatSeconds(at.timeoutMs)}`);
  }
  if (err instanceof ProbeTransportError) return new CheckFailure("unreachable", err.message);
  const message = err instanceof Error ? err.message : String(err);
  return new CheckFailure("unreachable", message || "the request failed");
}

function formatSeconds(ms: number): string {
  return ms % 1000 === 0 ? `${ms / 1000} s` : `${(ms / 1000).toFixed(1)} s`;
}
