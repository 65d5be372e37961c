import { readdirSync, readFileSync, statSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createSshConnector } from "../../../../agent/ssh/connector.ts";
import type { SshConnector } from "../../../../agent/ssh/types.ts";
import { capturingLogger, targetFor } from "../../../support/harness/ssh.ts";
import { requireService } from "../../../support/services.ts";
import { type SshHosts, sshdUsable, startSshHosts } from "../../../support/ssh-hosts/index.ts";

const ok = await requireService("sshd", sshdUsable, "/usr/sbin/sshd as root");

const SECRET = "token: abcdef.0123456789abcdef";

describe.skipIf(!ok)("ssh upload", () => {
  let run: SshHosts;
  let ssh: SshConnector;
  const log = capturingLogger();

  beforeAll(async () => {
    run = await startSshHosts({ count: 1, namePrefix: "upload" });
    ssh = createSshConnector({
      policy: "require-known",
      maxPerHost: 2,
      idleTimeoutMs: 30_000,
      keepaliveIntervalMs: 5_000,
      connectTimeoutMs: 10_000,
      logger: log.logger,
    });
  });
  afterAll(async () => {
    await ssh?.close();
    await run?.stop();
  });

  const host = () => run.hosts[0]!;
  const withSession = async <T>(fn: (s: Awaited<ReturnType<SshConnector["session"]>>) => Promise<T>) => {
    const session = await ssh.session(targetFor(host()));
    try {
      return await fn(session);
    } finally {
      session.release();
    }
  };

  it("writes the file with its mode and owner, leaving no temp file behind", async () => {
    const dest = "/etc/kubernetes/join.yaml";
    await withSession((s) =>
      s.upload(dest, SECRET, { mode: 0o640, owner: "nobody", group: "nogroup", timeoutMs: 5_000 }),
    );
    const local = host().path(dest);
    expect(readFileSync(local, "utf8")).toBe(SECRET);
    const st = statSync(local);
    expect(st.mode & 0o7777).toBe(0o640);
    expect(st.uid).toBe(65534);
    expect(st.gid).toBe(65534);
    expect(readdirSync(host().path("/etc/kubernetes")).filter((f) => f.startsWith(".ksp-upload"))).toEqual(
      [],
    );
  });

  it("replaces an existing file atomically (a new inode, never rewritten in place)", async () => {
    const dest = "/etc/kubernetes/replace.conf";
    await withSession((s) => s.upload(dest, "old\n", { mode: 0o600, timeoutMs: 5_000 }));
    const before = statSync(host().path(dest));
    await withSession((s) => s.upload(dest, "new\n", { mode: 0o600, timeoutMs: 5_000 }));
    const after = statSync(host().path(dest));
    expect(readFileSync(host().path(dest), "utf8")).toBe("new\n");
    expect(after.ino).not.toBe(before.ino);
    expect(after.mode & 0o7777).toBe(0o600);
    expect(after.uid).toBe(0);
  });

  it("carries binary content byte for byte", async () => {
    const bytes = Uint8Array.from({ length: 4096 }, (_, i) => (i * 7) % 256);
    await withSession((s) => s.upload("/etc/kubernetes/blob.bin", bytes, { mode: 0o644, timeoutMs: 5_000 }));
    expect(Buffer.compare(readFileSync(host().path("/etc/kubernetes/blob.bin")), Buffer.from(bytes))).toBe(0);
  });

  it("fails with a command error when the directory does not exist", async () => {
    const err = await withSession((s) =>
      s.upload("/etc/kubernetes/missing/dir/file", "x", { mode: 0o600, timeoutMs: 5_000 }),
    ).catch((e) => e);
    expect(err).toMatchObject({ name: "SshError", errorClass: "command", retryable: false });
    expect(err.message).toContain("/etc/kubernetes/missing/dir/file");
  });

  it("fails with a command error for an unknown owner, and leaves no file", async () => {
    const dest = "/etc/kubernetes/owned.conf";
    const err = await withSession((s) =>
      s.upload(dest, "x", { mode: 0o600, owner: "no-such-user-ksp", timeoutMs: 5_000 }),
    ).catch((e) => e);
    expect(err).toMatchObject({ errorClass: "command" });
    expect(readdirSync(host().path("/etc/kubernetes"))).not.toContain("owned.conf");
    expect(readdirSync(host().path("/etc/kubernetes")).filter((f) => f.startsWith(".ksp-upload"))).toEqual(
      [],
    );
  });

  it("refuses a relative path or a bad mode before connecting anything", async () => {
    await expect(
      withSession((s) => s.upload("etc/x", "x", { mode: 0o600, timeoutMs: 5_000 })),
    ).rejects.toMatchObject({
      errorClass: "precondition",
    });
    await expect(
      withSession((s) => s.upload("/etc/x", "x", { mode: 0o17777, timeoutMs: 5_000 })),
    ).rejects.toMatchObject({
      errorClass: "precondition",
    });
  });

  it("never logs the content", () => {
    expect(log.lines.length).toBeGreaterThan(0);
    expect(log.lines.join("\n")).not.toContain("abcdef.0123456789abcdef");
  });
});
