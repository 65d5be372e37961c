/**
 * The OpenAPI document through Redocly CLI's linter (@redocly/cli, rules in redocly.yaml: its
 * `recommended` set), the standard lint the issue asks CI to pass with no errors. @redocly/cli is
 * one bundled executable with no Node API of its own, so the document is written to a temporary
 * file and the CLI run on it with JSON output, offline (no telemetry, no update check).
 */
import { execFile } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const ROOT = resolve(fileURLToPath(new URL("../..", import.meta.url)));
export const REDOCLY_CONFIG = join(ROOT, "redocly.yaml");
const REDOCLY_CLI = join(
  dirname(createRequire(import.meta.url).resolve("@redocly/cli/package.json")),
  "bin",
  "cli.js",
);

export interface RedoclyProblem {
  ruleId: string;
  severity: "error" | "warn";
  message: string;
  /** a JSON pointer into the document, `#/paths/~1v1~1clusters/get` */
  pointer: string;
}

export interface RedoclyResult {
  version: string;
  errors: RedoclyProblem[];
  warnings: RedoclyProblem[];
}

interface RedoclyJson {
  version: string;
  totals: { errors: number; warnings: number };
  problems: { ruleId: string; severity: string; message: string; location?: { pointer?: string }[] }[];
}

function runCli(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((done) => {
    execFile(
      process.execPath,
      [REDOCLY_CLI, ...args],
      {
        maxBuffer: 256 * 1024 * 1024,
        env: {
          ...process.env,
          REDOCLY_TELEMETRY: "off",
          REDOCLY_SUPPRESS_NOTIFICATIONS: "true",
          REDOCLY_SUPPRESS_UPDATE_NOTICE: "true",
        },
      },
      (error, stdout, stderr) => {
        const code = error ? (typeof error.code === "number" ? error.code : 1) : 0;
        done({ code, stdout, stderr });
      },
    );
  });
}

/** Lints `document` (an OpenAPI object) with the rules of `config` (default: the repository's redocly.yaml). */
export async function redoclyLint(document: unknown, config = REDOCLY_CONFIG): Promise<RedoclyResult> {
  const dir = mkdtempSync(join(tmpdir(), "ksp-redocly-"));
  try {
    const file = join(dir, "openapi.json");
    writeFileSync(file, JSON.stringify(document, null, 2));
    const { code, stdout, stderr } = await runCli(["lint", file, "--config", config, "--format", "json"]);
    let report: RedoclyJson;
    try {
      report = JSON.parse(stdout) as RedoclyJson;
    } catch {
      throw new Error(`redocly lint (exit ${code}) wrote no JSON report:\n${stdout}${stderr}`.trim());
    }
    const problems = report.problems.map((p) => ({
      ruleId: p.ruleId,
      severity: p.severity === "error" ? ("error" as const) : ("warn" as const),
      message: p.message,
      pointer: p.location?.[0]?.pointer ?? "#",
    }));
    const errors = problems.filter((p) => p.severity === "error");
    // The exit code and the report must agree; if not, trust neither.
    if ((code !== 0) !== errors.length > 0) {
      throw new Error(`redocly lint exited ${code} with ${errors.length} error(s) in its report:\n${stderr}`);
    }
    return { version: report.version, errors, warnings: problems.filter((p) => p.severity === "warn") };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** One line per rule: `operation-operationId ×86: Operation object should… (at #/paths/…, …)`. */
export function summarizeByRule(problems: RedoclyProblem[], examples = 2): string[] {
  const byRule = new Map<string, RedoclyProblem[]>();
  for (const p of problems) byRule.set(p.ruleId, [...(byRule.get(p.ruleId) ?? []), p]);
  return [...byRule].map(([rule, list]) => {
    const where = list.slice(0, examples).map((p) => p.pointer);
    const more = list.length > examples ? `, … ${list.length - examples} more` : "";
    return `${rule} ×${list.length}: ${list[0]!.message} (at ${where.join(", ")}${more})`;
  });
}
