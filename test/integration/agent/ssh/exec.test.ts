import { readFileSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { SshConnector } from "../../../../agent/ssh/types.ts";
import { connector, processRunning, targetFor, waitFor } from "../../../support/harness/ssh.ts";
import { requireService } from "../../../support/services.ts";
import { type SshHosts, sshdUsable, startSshHosts } from "../../../support/ssh-hosts/index.ts";

const ok = await requireService("sshd", sshdUsable, "/usr/sbin/sshd as root");

describe.skipIf(!ok)("ssh exec", () => {
  let run: SshHosts;
  let ssh: SshConnector;

  beforeAll(async () => {
    run = await startSshHosts({ count: 1, namePrefix: "exec" });
    ssh = connector();
  });
  afterAll(async () => {
    await ssh?.close();
    await run?.stop();
  });

  const host = () => run.hosts[0]!;

  it("runs a command on the host and reports its exit code and output", async () => {
    const session = await ssh.session(targetFor(host()));
    try {
      expect(session.hostFingerprint).toBe(host().hostKeyFingerprint);
      const result = await session.exec("hostname; echo oops >&2; exit 3", { timeoutMs: 5_000 });
      expect(result).toMatchObject({ exitCode: 3, timedOut: false, stdout: "exec-1\n", stderr: "oops\n" });
      expect(result.durationMs).toBeGreaterThanOrEqual(0);
    } finally {
      session.release();
    }
  });

  it("streams output while the command is still running", async () => {
    const session = await ssh.session(targetFor(host()));
    const seen: { stream: string; chunk: string; at: number }[] = [];
    const started = Date.now();
    const result = await session.exec("echo one; sleep 0.4; echo two >&2; sleep 0.4; echo three", {
      timeoutMs: 5_000,
      onStdout: (chunk) => seen.push({ stream: "out", chunk, at: Date.now() - started }),
      onStderr: (chunk) => seen.push({ stream: "err", chunk, at: Date.now() - started }),
    });
    session.release();
    expect(result.stdout).toBe("one\nthree\n");
    expect(seen.map((s) => `${s.stream}:${s.chunk}`)).toEqual(["out:one\n", "err:two\n", "out:three\n"]);
    // "one" arrived well before the command finished, not in one batch at the end.
    expect(seen[0]!.at).toBeLessThan(seen[2]!.at - 500);
  });

  it("feeds stdin to the command (secrets never go on the command line)", async () => {
    const session = await ssh.session(targetFor(host()));
    const result = await session.exec("read -r value; printf '%s' \"$value\" | wc -c", {
      timeoutMs: 5_000,
      stdin: "s3cr3t-value\n",
    });
    session.release();
    expect(result.stdout.trim()).toBe("12");
  });

  it("quotes nothing away: the command line reaches the host's shell intact", async () => {
    const session = await ssh.session(targetFor(host()));
    const result = await session.exec(`printf '%s|' "a b" 'it'"'"'s' '$(touch /etc/kubernetes/pwned)'`, {
      timeoutMs: 5_000,
    });
    session.release();
    expect(result.stdout).toBe("a b|it's|$(touch /etc/kubernetes/pwned)|");
  });

  it("kills the remote process (and its children) when the command times out", async () => {
    const session = await ssh.session(targetFor(host()));
    const pidFile = "/etc/kubernetes/sleep.pid";
    const result = await session.exec(`sleep 30 & echo $! > ${pidFile}; wait`, { timeoutMs: 1_000 });
    session.release();
    expect(result.timedOut).toBe(true);
    expect(result.exitCode).toBe(137);
    expect(result.durationMs).toBeGreaterThanOrEqual(1_000);
    expect(result.durationMs).toBeLessThan(3_000); // the host's own kill, not our channel-closing fallback
    const pid = Number(readFileSync(host().path(pidFile), "utf8").trim());
    expect(pid).toBeGreaterThan(1);
    expect(await waitFor(() => !processRunning(pid, "sleep"), 2_000)).toBe(true);
  });

  it("does not report a quick non-zero exit as a timeout", async () => {
    const session = await ssh.session(targetFor(host()));
    const result = await session.exec("kill -KILL $$", { timeoutMs: 5_000 });
    session.release();
    expect(result.exitCode).toBe(137);
    expect(result.timedOut).toBe(false);
  });

  it("does not use sudo for root even when asked (the host has no sudo at all)", async () => {
    const session = await ssh.session(targetFor(host()));
    const result = await session.exec("id -u", { timeoutMs: 5_000, sudo: true });
    session.release();
    expect(result).toMatchObject({ exitCode: 0, stdout: "0\n" });
  });

  it("aborts a running command through the signal and kills it on the host", async () => {
    const session = await ssh.session(targetFor(host()));
    const pidFile = "/etc/kubernetes/abort.pid";
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 500);
    const started = Date.now();
    const err = await session
      .exec(`sleep 30 & echo $! > ${pidFile}; wait`, { timeoutMs: 20_000, signal: controller.signal })
      .catch((e) => e);
    session.release();
    expect(err).toMatchObject({ name: "SshError", errorClass: "timeout", retryable: false });
    expect(Date.now() - started).toBeLessThan(3_000);
    const pid = Number(readFileSync(host().path(pidFile), "utf8").trim());
    expect(await waitFor(() => !processRunning(pid, "sleep"), 2_000)).toBe(true);
  });

  it("stops waiting shortly after the deadline even when the host cannot end the command", async () => {
    const session = await ssh.session(targetFor(host()));
    // setsid escapes the process group `timeout` kills and keeps the channel's stdout open.
    const result = await session.exec("setsid sleep 8", { timeoutMs: 500 });
    session.release();
    expect(result.timedOut).toBe(true);
    expect(result.durationMs).toBeGreaterThanOrEqual(3_500);
    expect(result.durationMs).toBeLessThan(6_000);
  });

  it("refuses a session used after release", async () => {
    const session = await ssh.session(targetFor(host()));
    session.release();
    await expect(session.exec("true", { timeoutMs: 1_000 })).rejects.toMatchObject({
      errorClass: "connection",
    });
  });
});
