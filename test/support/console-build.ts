/**
 * The built web console and API docs (dist/static, `npm run build:console`) for tests that serve
 * them: `await ensureConsoleBuilt()` in beforeAll (with CONSOLE_BUILD_TIMEOUT_MS as the hook's
 * timeout) builds them when they are missing or older than their sources, and does nothing when
 * `npm install`'s prepare (or an earlier test) already did.
 *
 * Test files run in parallel processes: a lock directory (mkdir is atomic) makes one of them build
 * while the others wait and then find the build done. A lock whose owner died is taken over.
 */
import { execFile } from "node:child_process";
import { mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { promisify } from "node:util";
import { ROOT, STATIC_DIR, staleReason } from "../../scripts/build-console.ts";

export { STATIC_DIR };

/** A Vite build of the console on a busy CI machine, plus waiting for another file's build. */
export const CONSOLE_BUILD_TIMEOUT_MS = 300_000;

const LOCK_DIR = join(ROOT, "dist", ".build-console.lock");
const LOCK_OWNER = join(LOCK_DIR, "pid");
const run = promisify(execFile);

function ownerAlive(): boolean {
  let pid: number;
  try {
    pid = Number(readFileSync(LOCK_OWNER, "utf8"));
  } catch {
    // Just created, its pid not yet written: alive.
    return true;
  }
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

function tryLock(): boolean {
  mkdirSync(join(ROOT, "dist"), { recursive: true });
  try {
    mkdirSync(LOCK_DIR);
  } catch {
    return false;
  }
  writeFileSync(LOCK_OWNER, String(process.pid));
  return true;
}

async function build(reason: string): Promise<void> {
  console.warn(`[ksp-test] building the console and docs (${reason}): npm run build:console`);
  try {
    await run(process.execPath, ["--import", "tsx", join(ROOT, "scripts", "build-console.ts")], {
      cwd: ROOT,
      maxBuffer: 64 * 1024 * 1024,
    });
  } catch (error) {
    const { stdout = "", stderr = "" } = error as { stdout?: string; stderr?: string };
    throw new Error(
      `npm run build:console failed, so /ui and /docs cannot be tested; run it to see why:\n${stdout}${stderr}`,
    );
  }
  const left = staleReason();
  if (left) throw new Error(`npm run build:console finished but ${left}`);
}

/** Resolves once dist/static is complete and newer than its sources; throws if it cannot be built. */
export async function ensureConsoleBuilt(): Promise<string> {
  const deadline = Date.now() + CONSOLE_BUILD_TIMEOUT_MS;
  for (;;) {
    const reason = staleReason();
    if (!reason) return STATIC_DIR;
    if (tryLock()) {
      try {
        // Another file may have finished building between the check and the lock.
        const still = staleReason();
        if (still) await build(still);
        return STATIC_DIR;
      } finally {
        rmSync(LOCK_DIR, { recursive: true, force: true });
      }
    }
    if (!ownerAlive()) rmSync(LOCK_DIR, { recursive: true, force: true });
    if (Date.now() > deadline) throw new Error(`gave up waiting for another build of ${STATIC_DIR}`);
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
}
