import { spawnSync } from "node:child_process";
import { existsSync, readFileSync, readlinkSync, writeFileSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { hostname, tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { requireService } from "../../../support/services.ts";
import { FAKES_DIR } from "../../../support/ssh-hosts/host-view.ts";
import { type SshHosts, sshdUsable, startSshHosts } from "../../../support/ssh-hosts/index.ts";
import { machineNetfilter } from "../../../support/ssh-hosts/machine-state.ts";
import { sshExec } from "../../../support/ssh-hosts/ssh-exec.ts";

const ok = await requireService("sshd", sshdUsable, "/usr/sbin/sshd as root");

describe.skipIf(!ok)("fake hostnamectl, timedatectl and crictl on ssh test hosts", () => {
  let run: SshHosts;
  const machine = { hostname: "", etcHostname: "", netfilter: "" };

  beforeAll(async () => {
    machine.hostname = hostname();
    machine.etcHostname = existsSync("/etc/hostname") ? readFileSync("/etc/hostname", "utf8") : "";
    machine.netfilter = machineNetfilter();
    run = await startSshHosts({ count: 2 });
  });
  afterAll(() => run?.stop());

  it("hostnamectl sets the host's own /etc/hostname and kernel name, and the name survives a restart", async () => {
    const [host, other] = [run.hosts[0]!, run.hosts[1]!];
    expect(readFileSync(host.path("/etc/hostname"), "utf8")).toBe(`${host.name}\n`);
    const before = await sshExec(host, "cat /etc/hostname; hostnamectl --static; hostname");
    expect(before.stdout).toBe(`${host.name}\n${host.name}\n${host.name}\n`);

    const set = await sshExec(host, "hostnamectl set-hostname web-7 && hostname && hostnamectl");
    expect(set).toMatchObject({ code: 0, stderr: "" });
    expect(set.stdout).toMatch(/^web-7\n Static hostname: web-7\n/);
    expect(set.stdout).not.toContain("Transient hostname");
    expect(readFileSync(host.path("/etc/hostname"), "utf8")).toBe("web-7\n");
    expect((await sshExec(other, "hostname")).stdout).toBe(`${other.name}\n`);

    const transient = await sshExec(host, "hostnamectl set-hostname --transient tmp-1 && hostnamectl status");
    expect(transient.stdout).toContain("Transient hostname: tmp-1");
    expect(readFileSync(host.path("/etc/hostname"), "utf8")).toBe("web-7\n");

    const bad = await sshExec(host, "hostnamectl set-hostname 'bad name;x'");
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain("Invalid static hostname");
    expect(readFileSync(host.path("/etc/hostname"), "utf8")).toBe("web-7\n");

    await host.restart();
    expect((await sshExec(host, "hostname; hostnamectl hostname")).stdout).toBe("web-7\nweb-7\n");
    const argvs = (await host.calls()).filter((c) => c.command === "hostnamectl").map((c) => c.argv);
    expect(argvs).toContainEqual(["hostnamectl", "set-hostname", "web-7"]);
  });

  it("hostnamectl run outside a test host's namespaces refuses to rename anything", async () => {
    const dir = await mkdtemp(path.join(tmpdir(), "ksp-fake-guard-"));
    try {
      const runFake = (config: object) => {
        writeFileSync(path.join(dir, "config.json"), JSON.stringify(config));
        // --pretty: even a broken guard would only write into `dir`.
        return spawnSync(
          process.execPath,
          [path.join(FAKES_DIR, "hostnamectl.mjs"), "set-hostname", "--pretty", "x"],
          {
            env: { ...process.env, KSP_FAKE_DIR: dir },
            encoding: "utf8",
          },
        );
      };
      for (const config of [{ machineUtsNamespace: readlinkSync("/proc/self/ns/uts") }, {}]) {
        const refused = runFake(config);
        expect(refused.status).toBe(1);
        expect(refused.stderr).toContain("refusing to rename the machine");
      }
      expect(existsSync(path.join(dir, "pretty-hostname"))).toBe(false);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it("the machine's own hostnamectl and timedatectl paths reach the fakes too", async () => {
    const host = run.hosts[1]!;
    const probes: [string, string, string][] = [
      ["hostnamectl", "--static", `${host.name}\n`],
      ["timedatectl", "show -p NTPSynchronized --value", "yes\n"],
    ];
    let reached = 0;
    for (const [command, args, expected] of probes) {
      // Only copies installed here can be reached by absolute path at all.
      for (const copy of ["/usr/bin", "/bin"].map((d) => `${d}/${command}`).filter((p) => existsSync(p))) {
        expect((await sshExec(host, `${copy} ${args}`)).stdout).toBe(expected);
        reached++;
      }
    }
    const recorded = (await host.calls()).filter((c) => ["hostnamectl", "timedatectl"].includes(c.command));
    expect(recorded).toHaveLength(reached);
  });

  it("timedatectl reports a synchronised clock until the test says otherwise", async () => {
    const host = run.hosts[1]!;
    const show = "timedatectl show -p NTPSynchronized --value";
    expect((await sshExec(host, show)).stdout).toBe("yes\n");
    expect((await sshExec(host, "timedatectl show --property=NTP,Timezone")).stdout).toBe(
      "NTP=yes\nTimezone=Etc/UTC\n",
    );

    await host.setClock({ synchronized: false });
    expect((await sshExec(host, show)).stdout).toBe("no\n");
    const status = await sshExec(host, "timedatectl");
    expect(status.stdout).toContain("System clock synchronized: no");
    expect(status.stdout).toContain("NTP service: active");

    await host.setClock({ synchronized: true });
    expect((await sshExec(host, `timedatectl set-ntp false && ${show}`)).stdout).toBe("no\n");
    expect((await sshExec(host, "timedatectl show -p NTP --value")).stdout).toBe("no\n");
    expect((await sshExec(host, "timedatectl set-ntp maybe")).code).toBe(1);
  });

  it("crictl answers for an empty containerd, and fails like the real one when containerd is down", async () => {
    const host = run.hosts[0]!;
    const up = await sshExec(host, "command -v crictl && crictl --version && crictl ps && crictl ps -q -a");
    expect(up.code).toBe(0);
    const [path, version, header, ...rest] = up.stdout.split("\n");
    expect(path).toBe("/usr/local/bin/crictl");
    expect(version).toBe("crictl version v1.31.1");
    expect(header).toMatch(/^CONTAINER\s+IMAGE\s+CREATED\s+STATE\s+NAME/);
    expect(rest).toEqual([""]);
    const info = JSON.parse((await sshExec(host, "crictl info")).stdout);
    expect(info.status.conditions).toContainEqual(
      expect.objectContaining({ type: "RuntimeReady", status: true }),
    );

    const down = await sshExec(host, "systemctl stop containerd; crictl info");
    expect(down.code).toBe(1);
    expect(down.stderr).toContain("validate service connection");
    expect((await sshExec(host, "crictl --version")).code).toBe(0);
    await sshExec(host, "systemctl start containerd");
    expect((await sshExec(host, "crictl version")).stdout).toContain("RuntimeName:  containerd");
  });

  it("left the machine's hostname, /etc/hostname and netfilter as they were", () => {
    expect(hostname()).toBe(machine.hostname);
    expect(existsSync("/etc/hostname") ? readFileSync("/etc/hostname", "utf8") : "").toBe(
      machine.etcHostname,
    );
    expect(machineNetfilter()).toBe(machine.netfilter);
  });
});
