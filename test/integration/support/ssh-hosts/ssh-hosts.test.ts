import { execFileSync } from "node:child_process";
import { existsSync } from "node:fs";
import path from "node:path";
import ssh2 from "ssh2";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { requireService } from "../../../support/services.ts";
import {
  fingerprintOfBlob,
  type SshHosts,
  sshdUsable,
  startSshHosts,
} from "../../../support/ssh-hosts/index.ts";
import { sshExec } from "../../../support/ssh-hosts/ssh-exec.ts";
import { connectionConfig, type TestHost } from "../../../support/ssh-hosts/test-host.ts";

const ok = await requireService("sshd", sshdUsable, "/usr/sbin/sshd as root");

/** Connects and reports the host key blob's fingerprint, or the auth error. */
function tryConnect(host: TestHost, privateKey: string): Promise<{ fingerprint?: string; error?: string }> {
  return new Promise((resolve) => {
    const client = new ssh2.Client();
    let fingerprint: string | undefined;
    client.on("ready", () => {
      client.end();
      resolve({ fingerprint });
    });
    client.on("error", (err) => resolve({ fingerprint, error: err.message }));
    client.connect({
      ...connectionConfig(host),
      privateKey,
      readyTimeout: 10_000,
      hostVerifier: (key: Buffer) => {
        fingerprint = fingerprintOfBlob(key);
        return true;
      },
    });
  });
}

const sshdProcesses = (configPath: string): string => {
  try {
    return execFileSync("pgrep", ["-f", configPath]).toString().trim();
  } catch {
    return ""; // pgrep exits 1 when nothing matches
  }
};

describe.skipIf(!ok)("ssh test hosts", () => {
  let run: SshHosts;
  let startupMs = 0;

  beforeAll(async () => {
    const t0 = performance.now();
    run = await startSshHosts({ count: 5 });
    startupMs = performance.now() - t0;
  });
  afterAll(() => run?.stop());

  it("starts five hosts on distinct loopback addresses", () => {
    console.info(`[ssh-hosts] 5 hosts started in ${Math.round(startupMs)} ms`);
    expect(new Set(run.hosts.map((h) => h.address)).size).toBe(5);
    expect(run.hosts[0]?.address).toBe("127.0.0.2");
  });

  it("accepts each host's own key and rejects another host's key", async () => {
    for (const [i, host] of run.hosts.entries()) {
      expect((await tryConnect(host, host.privateKey)).error).toBeUndefined();
      const other = run.hosts[(i + 1) % run.hosts.length]!;
      expect((await tryConnect(host, other.privateKey)).error).toMatch(/authentication methods failed/);
    }
  });

  it("presents a per-host host key matching hostKeyFingerprint and ssh-keygen -lf", async () => {
    const seen = new Set<string>();
    for (const host of run.hosts) {
      const { fingerprint } = await tryConnect(host, host.privateKey);
      expect(fingerprint).toBe(host.hostKeyFingerprint);
      const keygen = execFileSync("ssh-keygen", ["-lf", path.join(host.root, "ssh", "host_ed25519.pub")]);
      expect(keygen.toString().split(" ")[1]).toBe(host.hostKeyFingerprint);
      seen.add(host.hostKeyFingerprint);
    }
    expect(seen.size).toBe(run.hosts.length);
  });

  it("gives each host its own view of the kubeadm paths, hostname and PATH", async () => {
    const [one, two] = [run.hosts[0]!, run.hosts[1]!];
    const marker = `x-${process.pid}`;
    const wrote = await sshExec(one, `echo hello > /etc/kubernetes/${marker} && hostname && echo "$PATH"`);
    expect(wrote.code).toBe(0);
    expect(wrote.stdout).toContain(one.name);
    expect(wrote.stdout.split("\n")[1]?.startsWith("/usr/local/bin:")).toBe(true);
    expect(existsSync(one.path(`/etc/kubernetes/${marker}`))).toBe(true);
    expect(existsSync(`/etc/kubernetes/${marker}`)).toBe(false);
    const other = await sshExec(two, `test -e /etc/kubernetes/${marker}; echo $?; command -v kubeadm`);
    expect(other.stdout).toBe("1\n/usr/local/bin/kubeadm\n");
    const fstab = await sshExec(
      one,
      "echo '/swap none swap sw 0 0' >> /etc/fstab && grep -c /swap /etc/fstab",
    );
    expect(fstab.stdout.trim()).toBe("1");
    expect(execFileSync("cat", ["/etc/fstab"]).toString()).not.toContain("/swap none swap");
  });

  it("kill() drops the host and restart() brings it back with the same identity", async () => {
    const host = run.hosts[4]!;
    const before = host.hostKeyFingerprint;
    const pending = sshExec(host, "sleep 30");
    await new Promise((r) => setTimeout(r, 300));
    await host.kill();
    await expect(pending).resolves.toMatchObject({ code: null });
    expect((await tryConnect(host, host.privateKey)).error).toMatch(/ECONNREFUSED/);
    await host.restart();
    expect(await tryConnect(host, host.privateKey)).toEqual({ fingerprint: before });
  });

  it("stop() leaves no sshd or temp dir behind and can be called twice", async () => {
    const extra = await startSshHosts({ count: 2, namePrefix: "stoptest" });
    const configs = extra.hosts.map((h) => h.sshdConfigPath);
    // An open session with a running command must die too.
    const session = sshExec(extra.hosts[0]!, "sleep 60").catch((err: Error) => err);
    await new Promise((r) => setTimeout(r, 300));
    expect(sshdProcesses(configs[0]!)).not.toBe("");
    await extra.stop();
    await extra.stop();
    for (const config of configs) expect(sshdProcesses(config)).toBe("");
    expect(existsSync(extra.hosts[0]!.root)).toBe(false);
    expect(await session).toMatchObject({ code: null });
  });
});
