import { spawn } from "node:child_process";
import {
  existsSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  utimesSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import {
  acquireDataDirLock,
  LOCK_FILE,
  type LockProbe,
  systemProbe,
} from "../../../../drizzle/drivers/data-dir-lock.ts";
import { DatabaseOpenError } from "../../../../drizzle/errors.ts";

const ROOT = join(import.meta.dirname, "..", "..", "..", "..");
const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), "ksp-lock-"));
  dirs.push(dir);
  return dir;
}

/** A process table of our choosing: `alive` pids with their start ticks. */
function probe(pid: number, alive: Record<number, string | undefined> = {}, host = "host-a"): LockProbe {
  return {
    pid,
    hostname: host,
    isAlive: (p) => p === pid || p in alive,
    procStart: (p) => (p === pid ? "1000" : alive[p]),
  };
}

function writeLock(dir: string, owner: Record<string, unknown>): void {
  writeFileSync(
    join(dir, LOCK_FILE),
    JSON.stringify({ hostname: "host-a", startedAt: "2024-01-01T00:00:00.000Z", nonce: "n", ...owner }),
  );
}

function refusalOf(fn: () => unknown): DatabaseOpenError {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(DatabaseOpenError);
    return err as DatabaseOpenError;
  }
  throw new Error("expected a refusal");
}

const lockOf = (dir: string) => JSON.parse(readFileSync(join(dir, LOCK_FILE), "utf8"));

describe("data dir lock", () => {
  it("fresh: creates the dir and ksp.lock with pid, hostname and start time; release removes it", () => {
    const dir = join(tempDir(), "nested", "data");
    const lock = acquireDataDirLock(dir, probe(101));
    expect(lock.path).toBe(join(dir, LOCK_FILE));
    expect(lockOf(dir)).toMatchObject({ pid: 101, hostname: "host-a", procStart: "1000" });
    expect(Date.parse(lockOf(dir).startedAt)).toBeGreaterThan(0);
    expect(readdirSync(dir)).toEqual([LOCK_FILE]); // no temporary files left behind
    lock.release();
    expect(existsSync(join(dir, LOCK_FILE))).toBe(false);
    lock.release(); // twice is fine
  });

  it("held by a live pid: refuses naming the pid and the dir, and leaves the lock alone", () => {
    const dir = tempDir();
    const first = acquireDataDirLock(dir, probe(101));
    const before = readFileSync(first.path, "utf8");
    const err = refusalOf(() => acquireDataDirLock(dir, probe(202, { 101: "1000" })));
    expect(err.code).toBe("conflict");
    expect(err.message).toContain("another ksp server (pid 101");
    expect(err.message).toContain(`owns the data dir ${dir}`);
    expect(err.details).toMatchObject({ pid: 101 });
    expect(readFileSync(first.path, "utf8")).toBe(before);
    first.release();
  });

  it("EPERM from kill(pid, 0) counts as alive (the real probe, against pid 1)", () => {
    // pid 1 exists everywhere; unprivileged kill(1, 0) fails with EPERM, root's succeeds: alive either way.
    expect(systemProbe.isAlive(1)).toBe(true);
    expect(systemProbe.isAlive(process.pid)).toBe(true);
  });

  it("stale: a dead pid's lock is taken over", () => {
    const dir = tempDir();
    writeLock(dir, { pid: 303, procStart: "5" });
    const lock = acquireDataDirLock(dir, probe(202));
    expect(lockOf(dir)).toMatchObject({ pid: 202 });
    lock.release();
    expect(existsSync(join(dir, LOCK_FILE))).toBe(false);
  });

  it("stale: a reused pid (alive, but started at another time) is taken over", () => {
    const dir = tempDir();
    writeLock(dir, { pid: 303, procStart: "5" });
    const lock = acquireDataDirLock(dir, probe(202, { 303: "999" }));
    expect(lockOf(dir)).toMatchObject({ pid: 202 });
    lock.release();
  });

  it("stale: our own pid, not held by this process (a restarted container), is taken over", () => {
    const dir = tempDir();
    writeLock(dir, { pid: 202, procStart: "1000" });
    const lock = acquireDataDirLock(dir, probe(202));
    expect(lockOf(dir).nonce).toBe(lock.owner.nonce);
    lock.release();
  });

  it("refuses a second open inside the same process", () => {
    const dir = tempDir();
    const lock = acquireDataDirLock(dir, probe(202));
    expect(refusalOf(() => acquireDataDirLock(dir, probe(202))).message).toContain(
      "already open in this process",
    );
    lock.release();
    acquireDataDirLock(dir, probe(202)).release();
  });

  it.each([
    ["empty", ""],
    ["garbage", "not json {"],
    ["wrong shape", '{"pid":"x"}'],
  ])("%s lock file: taken over", (_name, text) => {
    const dir = tempDir();
    writeFileSync(join(dir, LOCK_FILE), text);
    const lock = acquireDataDirLock(dir, probe(202));
    expect(lockOf(dir)).toMatchObject({ pid: 202 });
    lock.release();
  });

  it("another host's lock is never taken over; the message says which file to delete", () => {
    const dir = tempDir();
    writeLock(dir, { pid: 303, hostname: "host-b" });
    const err = refusalOf(() => acquireDataDirLock(dir, probe(202)));
    expect(err.message).toContain("pid 303 on host host-b");
    expect(err.message).toContain(`delete ${join(dir, LOCK_FILE)}`);
    expect(lockOf(dir)).toMatchObject({ pid: 303 });
  });

  it("release leaves a lock that is no longer ours", () => {
    const dir = tempDir();
    const lock = acquireDataDirLock(dir, probe(202));
    writeLock(dir, { pid: 404 });
    lock.release();
    expect(lockOf(dir)).toMatchObject({ pid: 404 });
  });

  it("a takeover guard left by a crashed starter is removed once it is old", () => {
    const dir = tempDir();
    writeLock(dir, { pid: 303 });
    const guard = join(dir, "ksp.lock.takeover");
    writeFileSync(guard, "{}");
    const old = new Date(Date.now() - 60_000);
    utimesSync(guard, old, old);
    const lock = acquireDataDirLock(dir, probe(202));
    expect(lockOf(dir)).toMatchObject({ pid: 202 });
    expect(existsSync(guard)).toBe(false);
    lock.release();
  });

  it("a stale lock under another starter's fresh takeover guard is left to that starter", () => {
    const dir = tempDir();
    writeLock(dir, { pid: 303 });
    writeFileSync(join(dir, "ksp.lock.takeover"), "{}");
    const startedAt = Date.now();
    const err = refusalOf(() => acquireDataDirLock(dir, probe(202)));
    expect(Date.now() - startedAt).toBeGreaterThanOrEqual(2_900); // it waited for the guard to go
    expect(err.message).toContain("another process is taking over the stale lock");
    expect(lockOf(dir)).toMatchObject({ pid: 303 });
  });

  it("race: of several processes that all find a stale lock, exactly one wins", async () => {
    const dir = tempDir();
    // A pid that cannot be alive (above any pid_max).
    writeLock(dir, { pid: 2 ** 30, hostname: systemProbe.hostname });
    const moduleUrl = new URL("../../../../drizzle/drivers/data-dir-lock.ts", import.meta.url).href;
    // Each child loads the module, says "ready", and tries only on "go", so they really race;
    // the winner keeps its lock (and its process) until its stdin closes.
    const script = `
      const { acquireDataDirLock } = await import(${JSON.stringify(moduleUrl)});
      process.stdout.write("ready\\n");
      process.stdin.once("data", () => {
        try { acquireDataDirLock(${JSON.stringify(dir)}); process.stdout.write("won\\n"); }
        catch (e) { process.stdout.write("lost: " + e.message + "\\n"); }
      });
      process.stdin.once("end", () => process.exit(0));
    `;
    const children = Array.from({ length: 4 }, () => {
      const child = spawn(process.execPath, ["--import", "tsx", "--input-type=module", "-e", script], {
        cwd: ROOT,
        stdio: ["pipe", "pipe", "inherit"],
      });
      const lines: string[] = [];
      let buffer = "";
      child.stdout.on("data", (c: Buffer) => {
        buffer += c.toString();
        const parts = buffer.split("\n");
        buffer = parts.pop() ?? "";
        lines.push(...parts);
      });
      const exited = new Promise((resolve) => child.once("exit", resolve));
      return { child, lines, exited };
    });
    const waitFor = (pred: () => boolean) => expect.poll(pred, { timeout: 45_000, interval: 20 }).toBe(true);
    await waitFor(() => children.every((c) => c.lines.includes("ready")));
    for (const c of children) c.child.stdin.write("go\n");
    await waitFor(() => children.every((c) => c.lines.length === 2));
    const outcomes = children.map((c) => c.lines[1] ?? "");
    for (const c of children) c.child.stdin.end();
    await Promise.all(children.map((c) => c.exited));
    expect(outcomes.filter((o) => o === "won")).toHaveLength(1);
    for (const lost of outcomes.filter((o) => o !== "won"))
      expect(lost).toMatch(/^lost: another ksp server \(pid \d+/);
  }, 60_000);
});
