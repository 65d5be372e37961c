/**
 * `npm run build:worker`: bundles the Worker exactly as `wrangler deploy`
 * would, without network or login (`--dry-run`), into dist/worker, then
 * prints the bundle's size raw and gzipped. Exits non-zero on failure.
 */
import { spawnSync } from "node:child_process";
import { existsSync, readFileSync, rmSync } from "node:fs";
import { join, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { gzipSync } from "node:zlib";

export const ROOT = resolve(fileURLToPath(new URL("..", import.meta.url)));
export const OUT_DIR = join(ROOT, "dist", "worker");
export const BUNDLE = join(OUT_DIR, "worker.js");

const kib = (bytes: number) => `${(bytes / 1024).toFixed(1)} KiB`;

export function buildWorker(): { bundle: string; rawBytes: number; gzipBytes: number } {
  rmSync(OUT_DIR, { recursive: true, force: true });
  const wrangler = join(ROOT, "node_modules", ".bin", "wrangler");
  const result = spawnSync(wrangler, ["deploy", "--dry-run", "--outdir", OUT_DIR], {
    cwd: ROOT,
    encoding: "utf8",
    // No telemetry, no update checks: the build must work offline.
    env: { ...process.env, WRANGLER_SEND_METRICS: "false", CI: process.env.CI ?? "true" },
  });
  if (result.status !== 0 || !existsSync(BUNDLE)) {
    const output = `${result.stdout ?? ""}${result.stderr ?? ""}`.trim();
    throw new Error(`wrangler deploy --dry-run failed (exit ${result.status}):\n${output || result.error}`);
  }
  const code = readFileSync(BUNDLE);
  return { bundle: BUNDLE, rawBytes: code.length, gzipBytes: gzipSync(code).length };
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  try {
    const { bundle, rawBytes, gzipBytes } = buildWorker();
    console.log(`worker bundle: ${relative(ROOT, bundle)} ${kib(rawBytes)} (gzip ${kib(gzipBytes)})`);
  } catch (err) {
    console.error(err instanceof Error ? err.message : String(err));
    process.exit(1);
  }
}
