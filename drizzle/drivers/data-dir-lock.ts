/**
 * One owner per embedded data dir. PGlite has no lock of its own: two
 * processes opening one directory corrupt it. `acquireDataDirLock` claims
 * `<dataDir>/ksp.lock` before anything touches the database and refuses while
 * another live process holds it; `release()` removes it, only if it is still
 * ours.
 *
 * The lock file is created complete and atomically: its content is written to
 * a private temporary file that is then hard-linked to `ksp.lock` (link fails
 * with EEXIST when the name exists), so a reader never sees a half-written
 * lock. Content: JSON `{ pid, hostname, startedAt, procStart?, nonce }`.
 *
 * A lock is stale, and is taken over, when its owner cannot be running:
 *   - its pid is not alive on this host (`process.kill(pid, 0)`; EPERM is alive),
 *   - its pid is alive but started at another time (`/proc/<pid>/stat`, Linux):
 *     the pid was reused, e.g. by a restarted container,
 *   - its pid is ours and this process does not hold it (same container, new run),
 *   - it is not a lock this module wrote (empty or garbage).
 * A lock written on another host is never taken over: its pid cannot be
 * checked from here; the message says which file to delete.
 *
 * Taking over happens under a guard file (`ksp.lock.takeover`, also created by
 * link), so of two starters that both find a stale lock only one replaces it;
 * the other waits for the guard to go and then finds the new, live lock. A
 * guard older than TAKEOVER_GUARD_STALE_MS is left over from a crash and removed.
 */
import { randomBytes } from "node:crypto";
import { linkSync, mkdirSync, readFileSync, statSync, unlinkSync, writeFileSync } from "node:fs";
import { hostname } from "node:os";
import { join } from "node:path";
import { DatabaseOpenError } from "../errors.ts";

export const LOCK_FILE = "ksp.lock";
const GUARD_FILE = "ksp.lock.takeover";
const TAKEOVER_GUARD_STALE_MS = 10_000;
const TAKEOVER_WAIT_MS = 3_000;

export interface LockOwner {
  pid: number;
  hostname: string;
  startedAt: string;
  /** Start time of the process in clock ticks since boot (Linux `/proc/<pid>/stat` field 22). */
  procStart?: string;
  nonce: string;
}

export interface DataDirLock {
  readonly path: string;
  readonly owner: LockOwner;
  /** Removes the lock file if it is still this one; safe to call twice. */
  release(): void;
}

/** Hooks for tests; production uses the real process table. */
export interface LockProbe {
  pid: number;
  hostname: string;
  isAlive(pid: number): boolean;
  /** undefined when unknown (not Linux, no such process, unreadable). */
  procStart(pid: number): string | undefined;
}

/** Lock paths this process holds, so a second open inside one process is refused too. */
const heldHere = new Set<string>();

export const systemProbe: LockProbe = {
  pid: process.pid,
  hostname: hostname(),
  isAlive(pid) {
    try {
      process.kill(pid, 0);
      return true;
    } catch (err) {
      return (err as NodeJS.ErrnoException).code === "EPERM";
    }
  },
  procStart(pid) {
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
      // Field 2 (comm) is parenthesised and may contain spaces; fields after it start at 3.
      const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
      return fields[19] || undefined;
    } catch {
      return undefined;
    }
  },
};

function parseOwner(text: string): LockOwner | undefined {
  try {
    const v = JSON.parse(text) as Partial<LockOwner>;
    if (
      typeof v === "object" &&
      v !== null &&
      Number.isInteger(v.pid) &&
      (v.pid as number) > 0 &&
      typeof v.hostname === "string" &&
      typeof v.startedAt === "string" &&
      typeof v.nonce === "string"
    )
      return v as LockOwner;
  } catch {
    // garbage
  }
  return undefined;
}

function readText(path: string): string | undefined {
  try {
    return readFileSync(path, "utf8");
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw err;
  }
}

function unlinkQuietly(path: string): void {
  try {
    unlinkSync(path);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== "ENOENT") throw err;
  }
}

/** Creates `path` with `content` atomically; false when it already exists. */
function createExclusive(path: string, content: string): boolean {
  const temp = `${path}.${process.pid}.${randomBytes(6).toString("hex")}.tmp`;
  writeFileSync(temp, content, { flag: "wx", mode: 0o644 });
  try {
    linkSync(temp, path);
    return true;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "EEXIST") return false;
    throw err;
  } finally {
    unlinkQuietly(temp);
  }
}

type Verdict = { live: true; owner: LockOwner } | { live: false };

function judge(text: string, lockPath: string, probe: LockProbe): Verdict {
  const owner = parseOwner(text);
  if (!owner) return { live: false };
  if (owner.hostname !== probe.hostname) return { live: true, owner };
  if (owner.pid === probe.pid) return heldHere.has(lockPath) ? { live: true, owner } : { live: false };
  if (!probe.isAlive(owner.pid)) return { live: false };
  if (owner.procStart !== undefined) {
    const now = probe.procStart(owner.pid);
    if (now !== undefined && now !== owner.procStart) return { live: false };
  }
  return { live: true, owner };
}

function refusal(dataDir: string, lockPath: string, owner: LockOwner, probe: LockProbe): DatabaseOpenError {
  const details = {
    pid: owner.pid,
    hostname: owner.hostname,
    startedAt: owner.startedAt,
    lockFile: lockPath,
  };
  if (owner.hostname !== probe.hostname)
    return new DatabaseOpenError(
      "conflict",
      `another ksp server (pid ${owner.pid} on host ${owner.hostname}, since ${owner.startedAt}) owns the data dir ${dataDir}; if it is no longer running, delete ${lockPath}`,
      details,
    );
  if (owner.pid === probe.pid)
    return new DatabaseOpenError(
      "conflict",
      `the data dir ${dataDir} is already open in this process (pid ${owner.pid})`,
      details,
    );
  return new DatabaseOpenError(
    "conflict",
    `another ksp server (pid ${owner.pid}, since ${owner.startedAt}) owns the data dir ${dataDir}; stop it, or set KSP_DATA_DIR to another directory`,
    details,
  );
}

function sleepSync(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

function guardIsStale(guardPath: string): boolean {
  try {
    return Date.now() - statSync(guardPath).mtimeMs > TAKEOVER_GUARD_STALE_MS;
  } catch {
    return false;
  }
}

/**
 * Claims `<dataDir>/ksp.lock` (creating `dataDir` if needed) or throws an
 * DatabaseOpenError("conflict") naming the owner's pid and the directory.
 */
export function acquireDataDirLock(dataDir: string, probe: LockProbe = systemProbe): DataDirLock {
  mkdirSync(dataDir, { recursive: true });
  const lockPath = join(dataDir, LOCK_FILE);
  const guardPath = join(dataDir, GUARD_FILE);
  const owner: LockOwner = {
    pid: probe.pid,
    hostname: probe.hostname,
    startedAt: new Date().toISOString(),
    procStart: probe.procStart(probe.pid),
    nonce: randomBytes(12).toString("hex"),
  };
  if (owner.procStart === undefined) delete owner.procStart;
  const content = `${JSON.stringify(owner)}\n`;

  const held = (): DataDirLock => {
    heldHere.add(lockPath);
    let released = false;
    return {
      path: lockPath,
      owner,
      release() {
        if (released) return;
        released = true;
        heldHere.delete(lockPath);
        const text = readText(lockPath);
        if (text !== undefined && parseOwner(text)?.nonce === owner.nonce) unlinkQuietly(lockPath);
      },
    };
  };

  const deadline = Date.now() + TAKEOVER_WAIT_MS;
  for (;;) {
    if (createExclusive(lockPath, content)) return held();
    const text = readText(lockPath);
    if (text === undefined) continue; // released between our attempt and the read: try again
    const verdict = judge(text, lockPath, probe);
    if (verdict.live) throw refusal(dataDir, lockPath, verdict.owner, probe);

    // Stale: replace it, but only under the takeover guard.
    if (createExclusive(guardPath, content)) {
      try {
        const again = readText(lockPath);
        if (again !== undefined) {
          const second = judge(again, lockPath, probe);
          if (second.live) throw refusal(dataDir, lockPath, second.owner, probe);
          unlinkQuietly(lockPath);
        }
        if (createExclusive(lockPath, content)) return held();
        // A plain starter created it between our unlink and our link: judge that one next round.
      } finally {
        unlinkQuietly(guardPath);
      }
      continue;
    }
    if (guardIsStale(guardPath)) {
      unlinkQuietly(guardPath);
      continue;
    }
    if (Date.now() > deadline)
      throw new DatabaseOpenError(
        "conflict",
        `another process is taking over the stale lock of the data dir ${dataDir}; if none is starting, delete ${guardPath}`,
      );
    sleepSync(50);
  }
}
