/**
 * `npm run build:worker`: bundles the Worker exactly as `wrangler deploy`
 * would, without network or login (`--dry-run`), into dist/worker, then
 * prints the bundle's size raw and gzipped. Exits non-zero on failure.
 * wrangler.toml's `[assets]` names dist/static, which wrangler requires to
 * exist: when it was never built (`npm install` builds it), it is built first.
 */
import { spawnSync } from "node:child_process";
import { existsSync, readFileSync, rmSync } from "node:fs";
import { join, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { gzipSync } from "node:zlib";
import { BUILD_STAMP, STATIC_DIR } from "./build-console.ts";

export const ROOT = resolve(fileURLToPath(new URL("..", import.meta.url)));
export const OUT_DIR = join(ROOT, "dist", "worker");
export const BUNDLE = join(OUT_DIR, "worker.js");

const kib = (bytes: number) => `${(bytes / 1024).toFixed(1)} KiB`;

/** Builds dist/static (`npm run build:console`) if it was never built; its content is not bundled. */
function ensureStaticDir(): void {
  // Built once is enough here: the bundle holds none of it (tests of the served pages rebuild stale ones).
  if (existsSync(BUILD_STAMP)) return;
  console.error(
    `${relative(ROOT, STATIC_DIR)} (wrangler.toml [assets]) is not built: running build:console first`,
  );
  const result = spawnSync(process.execPath, ["--import", "tsx", join(ROOT, "scripts", "build-console.ts")], {
    cwd: ROOT,
    stdio: ["ignore", "inherit", "inherit"],
  });
  if (result.status !== 0) {
    throw new Error(
      `npm run build:console failed (exit ${result.status}); wrangler needs ${relative(ROOT, STATIC_DIR)} for [assets]`,
    );
  }
}

export function buildWorker(): { bundle: string; rawBytes: number; gzipBytes: number } {
  ensureStaticDir();
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
