/**
 * `ksp health`: asks the control plane's liveness and readiness endpoints.
 * 503 is an answer here (not ready), not a failure to talk; any other error
 * status is printed from the server's error envelope.
 */
import { type ApiResponse, apiRequest } from "../api.ts";
import { renderJson, renderTable } from "../output.ts";
import type { Command } from "./types.ts";

const PROBES = ["healthz", "readyz"] as const;

interface ProbeResult {
  status: number;
  ok: boolean;
  body: unknown;
}

/** A short human summary of a probe body: its reason, message or status text. */
export function summarizeProbeBody(body: unknown): string {
  if (typeof body === "string") return body.trim().slice(0, 80);
  if (typeof body !== "object" || body === null) return "";
  const record = body as Record<string, unknown>;
  for (const key of ["reason", "message", "status"]) {
    if (typeof record[key] === "string") return record[key];
  }
  return "";
}

/**
 * One table row per dependency check, when the body lists them as the control
 * plane's /readyz does: `checks: { database: { ok, durationMs, error? }, ... }`.
 */
export function checkRows(probe: string, body: unknown): string[][] {
  const checks = (body as { checks?: unknown } | null)?.checks;
  if (typeof checks !== "object" || checks === null) return [];
  return Object.entries(checks).map(([name, check]) => {
    const { ok, error, durationMs } = (typeof check === "object" && check !== null ? check : {}) as Record<
      string,
      unknown
    >;
    const passed = ok === true || check === "ok";
    const detail =
      typeof error === "string" ? error : typeof durationMs === "number" ? `${durationMs}ms` : "";
    return [`${probe}/${name}`, "", passed ? "ok" : "failing", detail];
  });
}

function toResult(response: ApiResponse): ProbeResult {
  return {
    status: response.status,
    ok: response.status >= 200 && response.status < 300,
    body: response.body,
  };
}

export const healthCommand: Command = {
  name: "health",
  summary: "Check the control plane's /healthz and /readyz",
  async run({ config, io, fetch }) {
    const responses = await Promise.all(
      PROBES.map((probe) => apiRequest(config, fetch, "GET", `/${probe}`, { acceptStatuses: [503] })),
    );
    const results = Object.fromEntries(PROBES.map((probe, i) => [probe, toResult(responses[i]!)]));
    if (config.output === "json") {
      io.stdout(renderJson({ url: config.url, ...results }));
    } else {
      const rows = PROBES.flatMap((probe) => {
        const result = results[probe]!;
        const status = result.ok ? "ok" : "failing";
        return [
          [probe, String(result.status), status, summarizeProbeBody(result.body)],
          ...checkRows(probe, result.body),
        ];
      });
      io.stdout(renderTable(["CHECK", "HTTP", "STATUS", "DETAIL"], rows));
    }
    return Object.values(results).every((result) => result.ok) ? 0 : 1;
  },
};
