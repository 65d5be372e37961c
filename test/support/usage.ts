/**
 * Records which drivers, services and stand-ins a test run used, so `npm test`
 * can print them at the end (test/run.ts reads the file).
 */
import { appendFileSync } from "node:fs";

export type UsageKind = "driver" | "client" | "service" | "stand-in";

export function recordUsage(kind: UsageKind, name: string): void {
  const file = process.env.KSP_TEST_USAGE_FILE;
  if (!file) return;
  appendFileSync(file, `${JSON.stringify({ kind, name })}\n`);
}
