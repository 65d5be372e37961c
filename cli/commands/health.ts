/**
 * `ksp health`: asks the control plane's liveness and readiness endpoints.
 * 503 is an answer here (not ready), not a failure to talk; any other error
 * status is printed from the server's error envelope.
 */
import type { Command } from "commander";
import { type ApiClient, errorFor } from "../api.ts";
import { EXIT_FAILURE } from "../exit-codes.ts";
import { renderJson, renderTable, renderYaml } from "../output.ts";
import { type Runtime, sessionOf } from "../runtime.ts";

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

/** A probe body as JSON when it is JSON; a proxy in front may answer text or HTML, which is shown as text. */
function parseProbeBody(text: string): unknown {
  if (text === "") return null;
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

/** 503 is an answer (not ready); any other status outside 2xx throws the CliError to print. */
async function askProbe(api: ApiClient, path: (typeof PROBES)[number]): Promise<ProbeResult> {
  // Read as text: a 2xx that is not JSON is still a probe answer to show, not a parse failure.
  const { data, error, response } =
    path === "healthz"
      ? await api.GET("/healthz", { parseAs: "text" })
      : await api.GET("/readyz", { parseAs: "text" });
  if (response.ok) return { status: response.status, ok: true, body: parseProbeBody(data ?? "") };
  if (response.status === 503) return { status: response.status, ok: false, body: error ?? null };
  throw errorFor(response, error);
}

export function registerHealthCommand(program: Command, rt: Runtime): void {
  program
    .command("health")
    .description("Check the control plane's /healthz and /readyz (exit 1 when either is not ok)")
    .action(async (_options, cmd: Command) => {
      const { config, api, deps } = sessionOf(rt, cmd);
      const answers = await Promise.all(PROBES.map((path) => askProbe(api, path)));
      const results = Object.fromEntries(PROBES.map((path, i) => [path, answers[i]!]));
      if (config.output === "json" || config.output === "yaml") {
        const value = { url: config.url, ...results };
        deps.stdout(config.output === "json" ? renderJson(value) : renderYaml(value));
      } else {
        const rows = PROBES.flatMap((probe) => {
          const result = results[probe]!;
          const status = result.ok ? "ok" : "failing";
          return [
            [probe, String(result.status), status, summarizeProbeBody(result.body)],
            ...checkRows(probe, result.body),
          ];
        });
        deps.stdout(renderTable(config.noHeaders ? null : ["CHECK", "HTTP", "STATUS", "DETAIL"], rows));
      }
      if (!Object.values(results).every((result) => result.ok)) rt.exitCode = EXIT_FAILURE;
    });
}
