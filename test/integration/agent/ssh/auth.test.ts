import { execFile } from "node:child_process";
import { appendFile, mkdtemp, readFile, rm } from "node:fs/promises";
import net from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { SshConnector } from "../../../../agent/ssh/types.ts";
import { connector, keyOf, targetFor } from "../../../support/harness/ssh.ts";
import { requireService } from "../../../support/services.ts";
import { type SshHosts, sshdUsable, startSshHosts, type TestHost } from "../../../support/ssh-hosts/index.ts";

async function waitFor(condition: () => Promise<boolean>, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await condition()) return true;
    await new Promise((r) => setTimeout(r, 50));
  }
  return condition();
}

const ok = await requireService("sshd", sshdUsable, "/usr/sbin/sshd as root");
const run = promisify(execFile);

/** A key made by ssh-keygen in a temp dir and authorized on `host`. */
async function authorizeNewKey(host: TestHost, dir: string, type: "rsa" | "ed25519", passphrase: string) {
  const file = path.join(dir, `${type}-${Math.random().toString(36).slice(2)}`);
  const bits = type === "rsa" ? ["-b", "3072"] : [];
  await run("ssh-keygen", ["-q", "-t", type, ...bits, "-N", passphrase, "-C", "ksp-test", "-f", file]);
  await appendFile(path.join(host.root, "ssh", "authorized_keys"), await readFile(`${file}.pub`, "utf8"));
  return readFile(file, "utf8");
}

/** Successful logins sshd recorded so far. */
async function acceptedLogins(host: TestHost): Promise<number> {
  const log = await readFile(path.join(host.root, "sshd.log"), "utf8");
  return log.split("\n").filter((l) => l.startsWith("Accepted publickey")).length;
}

describe.skipIf(!ok)("ssh authentication and host keys", () => {
  let hosts: SshHosts;
  let keyDir: string;
  const opened: SshConnector[] = [];
  const make = (overrides: Parameters<typeof connector>[0] = {}) => {
    const ssh = connector(overrides);
    opened.push(ssh);
    return ssh;
  };

  beforeAll(async () => {
    hosts = await startSshHosts({ count: 2, namePrefix: "auth" });
    keyDir = await mkdtemp(path.join(tmpdir(), "ksp-ssh-keys-"));
  });
  afterAll(async () => {
    await Promise.all(opened.map((c) => c.close()));
    await hosts?.stop();
    if (keyDir) await rm(keyDir, { recursive: true, force: true });
  });

  it("authenticates with an RSA key protected by a passphrase", async () => {
    const host = hosts.hosts[0]!;
    const key = await authorizeNewKey(host, keyDir, "rsa", "correct horse");
    expect(key).toContain("BEGIN OPENSSH PRIVATE KEY");
    const session = await make().session(targetFor(host, { key, passphrase: "correct horse" }));
    expect((await session.exec("echo rsa", { timeoutMs: 5_000 })).stdout).toBe("rsa\n");
    session.release();
  });

  it("authenticates with an ed25519 key protected by a passphrase", async () => {
    const host = hosts.hosts[0]!;
    const key = await authorizeNewKey(host, keyDir, "ed25519", "s3cret");
    const session = await make().session(targetFor(host, { key, passphrase: "s3cret" }));
    expect((await session.exec("echo ed", { timeoutMs: 5_000 })).stdout).toBe("ed\n");
    session.release();
  });

  it("classifies a wrong or missing passphrase as auth, not retryable, without echoing it", async () => {
    const host = hosts.hosts[0]!;
    const key = await authorizeNewKey(host, keyDir, "rsa", "right-one");
    const wrong = await make()
      .session(targetFor(host, { key, passphrase: "wrong-one" }))
      .catch((e) => e);
    expect(wrong).toMatchObject({ name: "SshError", errorClass: "auth", retryable: false });
    expect(wrong.message).not.toContain("wrong-one");
    const missing = await make()
      .session(targetFor(host, { key }))
      .catch((e) => e);
    expect(missing).toMatchObject({ errorClass: "auth", retryable: false });
  });

  it("classifies a key the host does not accept as auth", async () => {
    const [host, other] = [hosts.hosts[0]!, hosts.hosts[1]!];
    const err = await make()
      .session(targetFor(host, { key: other.privateKey }))
      .catch((e) => e);
    expect(err).toMatchObject({ name: "SshError", errorClass: "auth", retryable: false });
    expect(err.message).toContain(keyOf(host));
  });

  it("refuses a host whose key does not match the pin before authenticating or running anything", async () => {
    const [host, other] = [hosts.hosts[1]!, hosts.hosts[0]!];
    const before = await acceptedLogins(host);
    const err = await make({ policy: "pin-on-first-use" })
      .session(targetFor(host, { pinnedFingerprint: other.hostKeyFingerprint }))
      .catch((e) => e);
    expect(err).toMatchObject({ name: "SshError", errorClass: "host-key", retryable: false });
    expect(err.message).toContain(`expected ${other.hostKeyFingerprint}`);
    expect(err.message).toContain(host.hostKeyFingerprint);
    expect(await host.calls()).toEqual([]);
    // The right pin logs in, and sshd's log shows exactly that one login: the refused one never got there.
    const ssh = make();
    (await ssh.session(targetFor(host))).release();
    await ssh.close();
    expect(await waitFor(async () => (await acceptedLogins(host)) === before + 1, 3_000)).toBe(true);
  });

  it("pin-on-first-use accepts an unpinned host and reports the fingerprint it learned", async () => {
    const host = hosts.hosts[1]!;
    const ssh = make({ policy: "pin-on-first-use" });
    const pinned: string[] = [];
    const session = await ssh.session(targetFor(host, { pinnedFingerprint: null }), {
      onPinned: (fp) => pinned.push(fp),
    });
    expect(pinned).toEqual([host.hostKeyFingerprint]);
    expect(session.hostFingerprint).toBe(host.hostKeyFingerprint);
    session.release();
    // The pooled connection is checked against the caller's pin too.
    const err = await ssh
      .session(targetFor(host, { pinnedFingerprint: hosts.hosts[0]!.hostKeyFingerprint }))
      .catch((e) => e);
    expect(err).toMatchObject({ errorClass: "host-key" });
    const again = await ssh.session(targetFor(host));
    again.release();
    expect(ssh.handshakes().get(keyOf(host))).toBe(1);
  });

  it("require-known refuses an unpinned host before logging in", async () => {
    const host = hosts.hosts[1]!;
    const before = await acceptedLogins(host);
    const pinned: string[] = [];
    const err = await make({ policy: "require-known" })
      .session(targetFor(host, { pinnedFingerprint: null }), { onPinned: (fp) => pinned.push(fp) })
      .catch((e) => e);
    expect(err).toMatchObject({ errorClass: "host-key", retryable: false });
    expect(err.message).toContain("require-known");
    expect(pinned).toEqual([]);
    expect(await acceptedLogins(host)).toBe(before);
  });

  it("classifies a key that is not a private key as auth and a bad port as a non-retryable connection error", async () => {
    const host = hosts.hosts[0]!;
    await expect(make().session(targetFor(host, { key: "not a key" }))).rejects.toMatchObject({
      errorClass: "auth",
      retryable: false,
    });
    await expect(make().session(targetFor(host, { port: 70_000 }))).rejects.toMatchObject({
      errorClass: "connection",
      retryable: false,
    });
  });

  it("classifies a refused connection as connection (retryable)", async () => {
    const server = net.createServer();
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    const { port } = server.address() as net.AddressInfo;
    await new Promise((r) => server.close(r));
    const err = await make()
      .session({ ...targetFor(hosts.hosts[0]!), host: "127.0.0.1", port })
      .catch((e) => e);
    expect(err).toMatchObject({ name: "SshError", errorClass: "connection", retryable: true });
  });

  it("classifies a host that never answers the handshake as timeout (retryable)", async () => {
    const silent = new Set<net.Socket>();
    const server = net.createServer((socket) => silent.add(socket));
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    const { port } = server.address() as net.AddressInfo;
    const started = Date.now();
    const err = await make({ connectTimeoutMs: 500 })
      .session({ ...targetFor(hosts.hosts[0]!), host: "127.0.0.1", port })
      .catch((e) => e);
    for (const socket of silent) socket.destroy();
    server.close();
    expect(err).toMatchObject({ name: "SshError", errorClass: "timeout", retryable: true });
    expect(Date.now() - started).toBeLessThan(3_000);
  });
});
