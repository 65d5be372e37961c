/**
 * `npm test`: runs every tier (unit, integration, workers) in one vitest run,
 * then prints which drivers, services and stand-ins the run used and a plain
 * "N passed, N failed, N skipped" closing line. With CI=true a skipped test
 * fails the run: CI must never go green on tests that did not run.
 * Extra arguments go to vitest (e.g. `npm test -- test/unit`).
 */
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, rmSync } from "node:fs";
import path from "node:path";

const reportDir = path.resolve(".test-report");
const usageFile = path.join(reportDir, "usage.jsonl");
const resultFile = path.join(reportDir, "vitest.json");
rmSync(reportDir, { recursive: true, force: true });
mkdirSync(reportDir, { recursive: true });

const vitest = spawnSync(
  "npx",
  [
    "vitest",
    "run",
    "--reporter=default",
    "--reporter=json",
    `--outputFile.json=${resultFile}`,
    ...process.argv.slice(2),
  ],
  { stdio: "inherit", env: { ...process.env, KSP_TEST_USAGE_FILE: usageFile } },
);

interface VitestJson {
  numPassedTests: number;
  numFailedTests: number;
  numPendingTests: number;
  numTodoTests: number;
  numTotalTests: number;
}

const result: VitestJson | null = existsSync(resultFile)
  ? JSON.parse(readFileSync(resultFile, "utf8"))
  : null;
const usage = new Map<string, Set<string>>();
if (existsSync(usageFile)) {
  for (const line of readFileSync(usageFile, "utf8").split("\n")) {
    if (!line.trim()) continue;
    const { kind, name } = JSON.parse(line) as { kind: string; name: string };
    if (!usage.has(kind)) usage.set(kind, new Set());
    usage.get(kind)!.add(name);
  }
}

const list = (kind: string) => [...(usage.get(kind) ?? [])].sort().join(", ") || "none";
console.log("\nksp test run used:");
console.log(`  database drivers: ${list("driver")}`);
console.log(`  service clients:  ${list("client")}`);
console.log(`  real services:    ${list("service")}`);
console.log(`  stand-ins:        ${list("stand-in")}`);

let exitCode = vitest.status ?? 1;
if (!result) {
  console.log("no test results were written; the run did not complete");
  exitCode = 1;
} else {
  const skipped = result.numPendingTests + result.numTodoTests;
  console.log(`\n${result.numPassedTests} passed, ${result.numFailedTests} failed, ${skipped} skipped`);
  if (result.numTotalTests === 0) {
    console.log("no tests ran");
    exitCode = 1;
  }
  if (process.env.CI === "true" && skipped > 0) {
    console.log(`CI=true: ${skipped} skipped test(s) count as a failure`);
    exitCode = 1;
  }
}
process.exit(exitCode);
