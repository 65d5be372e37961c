/**
 * `npm run build:console` (and npm's `prepare`, so `npm install` / `npm ci` build it too): writes
 * the static pages the control plane serves (functions/routes/static-pages.ts) into dist/static:
 *   ui/    the web console (console/, Vite, base /ui/), and
 *   docs/  the API docs page: Swagger UI (swagger-ui-dist) over /openapi.json (scripts/docs-page.ts).
 * Node serves that folder from disk; Workers upload it through wrangler.toml's `[assets]`.
 *
 * Run as `prepare` without devDependencies (`npm ci --omit=dev`), Vite is not there to build with:
 * that is a production install, not a failure, so it says so and leaves dist/static as it is. Any
 * other failure exits non-zero with the reason, failing the install loudly.
 */
import { copyFileSync, existsSync, mkdirSync, readdirSync, rmSync, statSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { DOCS_PAGE_FILES } from "./docs-page.ts";

export const ROOT = resolve(fileURLToPath(new URL("..", import.meta.url)));
export const STATIC_DIR = join(ROOT, "dist", "static");
export const UI_DIR = join(STATIC_DIR, "ui");
export const DOCS_DIR = join(STATIC_DIR, "docs");
/** Written last: its presence means the whole build finished; its mtime, when. */
export const BUILD_STAMP = join(STATIC_DIR, ".build-stamp.json");
/** What the build reads: a file here newer than the stamp makes the build stale. */
export const BUILD_INPUTS = [
  join(ROOT, "console"),
  // the console's API types (type-only imports, but a changed contract is a changed console)
  join(ROOT, "proto", "generated", "rest-api.ts"),
  join(ROOT, "proto", "machine-states.ts"),
  join(ROOT, "scripts", "docs-page.ts"),
  join(ROOT, "scripts", "build-console.ts"),
];

/**
 * What /docs needs from swagger-ui-dist, and no more: the bundle (no standalone preset: its top bar
 * would invite loading other documents), its styles, the icons, and the licence texts that must
 * travel with it.
 */
const SWAGGER_UI_FILES = [
  "swagger-ui-bundle.js",
  "swagger-ui-bundle.js.LICENSE.txt",
  "swagger-ui.css",
  "favicon-16x16.png",
  "favicon-32x32.png",
  "LICENSE",
  "NOTICE",
];

const requireHere = createRequire(import.meta.url);

function resolvable(specifier: string): boolean {
  try {
    requireHere.resolve(specifier);
    return true;
  } catch {
    return false;
  }
}

async function buildConsole(): Promise<void> {
  const { build } = await import("vite");
  // The config (console/vite.config.ts) sets the root, `base: "/ui/"` and the output dir.
  await build({ configFile: join(ROOT, "console", "vite.config.ts"), logLevel: "warn" });
  if (!existsSync(join(UI_DIR, "index.html"))) {
    throw new Error(
      `vite wrote no ${relative(ROOT, join(UI_DIR, "index.html"))}: check console/vite.config.ts`,
    );
  }
}

export function buildDocs(): void {
  const swaggerUi = dirname(requireHere.resolve("swagger-ui-dist/package.json"));
  rmSync(DOCS_DIR, { recursive: true, force: true });
  mkdirSync(DOCS_DIR, { recursive: true });
  for (const file of SWAGGER_UI_FILES) copyFileSync(join(swaggerUi, file), join(DOCS_DIR, file));
  for (const [file, content] of Object.entries(DOCS_PAGE_FILES)) writeFileSync(join(DOCS_DIR, file), content);
}

export async function buildStatic(): Promise<void> {
  rmSync(BUILD_STAMP, { force: true });
  buildDocs();
  await buildConsole();
  // Build bookkeeping, not a page: `wrangler deploy` leaves what .assetsignore names out of [assets].
  writeFileSync(join(STATIC_DIR, ".assetsignore"), ".assetsignore\n.build-stamp.json\n");
  writeFileSync(BUILD_STAMP, `${JSON.stringify({ builtAt: new Date().toISOString() })}\n`);
}

/** The newest modification time of any file under `path` (0 when there is none). */
function newestMtime(path: string): number {
  if (!existsSync(path)) return 0;
  const info = statSync(path);
  if (!info.isDirectory()) return info.mtimeMs;
  let newest = 0;
  for (const entry of readdirSync(path)) {
    if (entry === "node_modules" || entry === "dist") continue;
    newest = Math.max(newest, newestMtime(join(path, entry)));
  }
  return newest;
}

/** Why dist/static must be (re)built, or null when it is complete and newer than its sources. */
export function staleReason(): string | null {
  if (!existsSync(BUILD_STAMP)) return `${relative(ROOT, STATIC_DIR)} is not built`;
  const builtAt = statSync(BUILD_STAMP).mtimeMs;
  const changed = BUILD_INPUTS.find((input) => newestMtime(input) > builtAt);
  return changed ? `${relative(ROOT, changed)} changed since the last build` : null;
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const asPrepare = process.env.npm_lifecycle_event === "prepare";
  if (asPrepare && !resolvable("vite")) {
    console.log(
      "build:console skipped: Vite is not installed (devDependencies omitted); /ui and /docs serve " +
        `whatever ${relative(ROOT, STATIC_DIR)} holds (404 with instructions if nothing)`,
    );
  } else {
    const started = Date.now();
    try {
      await buildStatic();
      const seconds = ((Date.now() - started) / 1000).toFixed(1);
      console.log(
        `build:console: ${relative(ROOT, UI_DIR)} and ${relative(ROOT, DOCS_DIR)} built in ${seconds}s`,
      );
    } catch (error) {
      console.error(error instanceof Error ? (error.stack ?? error.message) : String(error));
      console.error(
        "\nbuild:console FAILED: the web console (/ui) and API docs (/docs) were not built." +
          (asPrepare
            ? "\nThe dependencies are installed; fix the error above, then run `npm run build:console`."
            : ""),
      );
      process.exitCode = 1;
    }
  }
}
