/**
 * The command lines the SSH layer sends, run through a local POSIX sh. The
 * test hosts log in as root and have no sudo, so the `sudo -n` wrapping for
 * non-root users is proven here against a stand-in sudo on PATH.
 */
import { spawn } from "node:child_process";
import { chmod, mkdtemp, readdir, readFile, rm, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { killCommand, newMarker, wrapCommand } from "../../../../agent/ssh/command.ts";
import { sha256Hex, uploadCommand } from "../../../../agent/ssh/upload.ts";

let dir: string;

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), "ksp-ssh-command-"));
  // Checks it was called as `sudo -n -- …`, notes the call, then runs the rest.
  const sudo = path.join(dir, "sudo");
  await writeFile(
    sudo,
    `#!/bin/sh\n[ "$1" = -n ] && [ "$2" = -- ] || exit 99\nshift 2\necho "$*" > '${dir}/sudo.called'\nexec "$@"\n`,
  );
  await chmod(sudo, 0o755);
});
afterAll(() => rm(dir, { recursive: true, force: true }));

interface Ran {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

function sh(line: string, stdin = ""): Promise<Ran> {
  return new Promise((resolve, reject) => {
    const child = spawn("sh", ["-c", line], { env: { PATH: `${dir}:${process.env.PATH}` } });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d) => (stdout += d));
    child.stderr.on("data", (d) => (stderr += d));
    child.on("error", reject);
    child.on("close", (code, signal) => resolve({ code, signal, stdout, stderr }));
    child.stdin.end(stdin);
  });
}

const tricky = `printf '%s|' "a b" 'it'"'"'s' '$(touch pwned)' '\`id\`' ';x'`;
const trickyOutput = "a b|it's|$(touch pwned)|`id`|;x|";

describe("wrapCommand", () => {
  it("wraps in timeout -s KILL with the deadline in seconds, no sudo for root", () => {
    const line = wrapCommand("echo hi", {
      timeoutMs: 1500,
      username: "root",
      sudo: true,
      marker: "ksp-exec-m",
    });
    expect(line).toBe("exec timeout -s KILL 1.500 sh -c ': ksp-exec-m; echo hi'");
  });

  it("puts sudo -n outside the timeout for a non-root user who asks for it", () => {
    const line = wrapCommand("echo hi", {
      timeoutMs: 2000,
      username: "deploy",
      sudo: true,
      marker: "ksp-exec-m",
    });
    expect(line).toBe("exec sudo -n -- timeout -s KILL 2.000 sh -c ': ksp-exec-m; echo hi'");
    expect(wrapCommand("echo hi", { timeoutMs: 2000, username: "deploy", marker: "m" })).not.toContain(
      "sudo",
    );
  });

  it("delivers the command to the shell intact, with and without sudo", async () => {
    for (const username of ["root", "deploy"]) {
      const line = wrapCommand(tricky, { timeoutMs: 5000, username, sudo: true, marker: newMarker() });
      const result = await sh(line);
      expect(result).toMatchObject({ code: 0, stdout: trickyOutput });
    }
    expect(await readFile(path.join(dir, "sudo.called"), "utf8")).toMatch(/^timeout -s KILL 5\.000 sh -c /);
    await expect(stat(path.join(dir, "pwned"))).rejects.toThrow();
  });

  it("refuses a deadline that is not a positive number", () => {
    for (const timeoutMs of [0, -1, Number.NaN]) {
      expect(() => wrapCommand("true", { timeoutMs, username: "root", marker: "m" })).toThrow(
        expect.objectContaining({ errorClass: "precondition" }),
      );
    }
  });
});

describe("killCommand", () => {
  it("kills the marked command's whole process group but not itself", async () => {
    const marker = newMarker();
    const pidFile = path.join(dir, "child.pid");
    const running = sh(
      wrapCommand(`sleep 30 & echo $! > '${pidFile}'; wait`, { timeoutMs: 60_000, username: "root", marker }),
    );
    let pid = 0;
    for (let i = 0; i < 100 && !pid; i++) {
      pid = Number((await readFile(pidFile, "utf8").catch(() => "")).trim());
      if (!pid) await new Promise((r) => setTimeout(r, 20));
    }
    const killer = await sh(killCommand(marker));
    expect(killer.code).toBe(0);
    expect((await running).signal).toBe("SIGKILL"); // `exec` made timeout the shell itself
    // Gone, or a zombie waiting for its new parent to reap it: either way no longer running.
    const state = await readFile(`/proc/${pid}/stat`, "utf8").catch(() => "gone");
    expect(state === "gone" || state.split(") ")[1]?.startsWith("Z")).toBe(true);
  });
});

describe("uploadCommand", () => {
  it("writes atomically with the mode when the checksum matches", async () => {
    const dest = path.join(dir, "ok.conf");
    const result = await sh(
      uploadCommand(dest, sha256Hex("hello\n"), { mode: 0o640, timeoutMs: 1 }),
      "hello\n",
    );
    expect(result.code).toBe(0);
    expect(await readFile(dest, "utf8")).toBe("hello\n");
    expect((await stat(dest)).mode & 0o7777).toBe(0o640);
  });

  it("refuses content whose checksum differs, leaving neither the file nor a temp file", async () => {
    const dest = path.join(dir, "bad.conf");
    const result = await sh(
      uploadCommand(dest, sha256Hex("expected"), { mode: 0o600, timeoutMs: 1 }),
      "corrupted",
    );
    expect(result.code).toBe(86);
    expect(result.stderr).toContain("checksum mismatch");
    const left = await readdir(dir);
    expect(left).not.toContain("bad.conf");
    expect(left.filter((f) => f.startsWith(".ksp-upload"))).toEqual([]);
  });

  it("passes path and owner as arguments, never as script text", async () => {
    const dest = path.join(dir, "it's $(touch pwned2).conf");
    const result = await sh(uploadCommand(dest, sha256Hex("x"), { mode: 0o600, timeoutMs: 1 }), "x");
    expect(result.code).toBe(0);
    expect(await readFile(dest, "utf8")).toBe("x");
    await expect(stat(path.join(dir, "pwned2"))).rejects.toThrow();
  });
});
