import { existsSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { requireService } from "../../../support/services.ts";
import { type SshHosts, sshdUsable, startSshHosts } from "../../../support/ssh-hosts/index.ts";
import { machineNetfilter } from "../../../support/ssh-hosts/machine-state.ts";
import { sshExec } from "../../../support/ssh-hosts/ssh-exec.ts";

const ok = await requireService("sshd", sshdUsable, "/usr/sbin/sshd as root");

/** What kube-proxy and a CNI leave behind, next to a rule of the machine's own. */
const KUBE_SETUP = [
  "iptables -t nat -N KUBE-SERVICES",
  "iptables -t nat -N KUBE-SVC-ABC",
  "iptables -w 5 -t nat -A PREROUTING -m comment --comment 'kubernetes service portals' -j KUBE-SERVICES",
  "iptables -t nat -A KUBE-SERVICES -d 10.96.0.1/32 -j KUBE-SVC-ABC",
  "iptables -A INPUT -p tcp --dport 22 -j ACCEPT",
  "iptables -N CNI-FORWARD",
  "iptables -I FORWARD -j CNI-FORWARD",
].join(" && ");

const withoutComments = (save: string) => save.replace(/^#.*\n/gm, "");

describe.skipIf(!ok)("fake iptables family and ipvsadm on ssh test hosts", () => {
  let run: SshHosts;
  let machineBefore = "";

  beforeAll(async () => {
    machineBefore = machineNetfilter();
    run = await startSshHosts({ count: 2 });
  });
  afterAll(() => run?.stop());

  it("keeps rules per host: iptables builds them, iptables-save prints them, -restore replaces a table", async () => {
    const [host, other] = [run.hosts[0]!, run.hosts[1]!];
    const fresh = await sshExec(host, "command -v iptables-save; iptables-save; ip6tables-save");
    expect(fresh.stdout).toBe("/usr/local/bin/iptables-save\n");

    const setup = await sshExec(host, KUBE_SETUP);
    expect(setup).toMatchObject({ code: 0, stderr: "" });
    const saved = withoutComments((await sshExec(host, "iptables-save")).stdout);
    expect(saved).toBe(await host.iptablesRules());
    expect(saved).toContain(
      '-A PREROUTING -m comment --comment "kubernetes service portals" -j KUBE-SERVICES\n',
    );
    expect(saved).toMatch(
      /\*filter\n:INPUT ACCEPT \[0:0\]\n:FORWARD ACCEPT \[0:0\]\n:OUTPUT ACCEPT \[0:0\]\n/,
    );
    expect((await sshExec(host, "iptables -S FORWARD")).stdout).toBe(
      "-P FORWARD ACCEPT\n-A FORWARD -j CNI-FORWARD\n",
    );
    expect((await sshExec(host, "ip6tables-save")).stdout).toBe("");
    expect(await other.iptablesRules()).toBe("");

    // What reset.iptables does: drop every Kubernetes line and load the rest back.
    const cleaned = await sshExec(host, "iptables-save | grep -vE 'KUBE-|CNI-' | iptables-restore");
    expect(cleaned).toMatchObject({ code: 0, stderr: "" });
    const after = await host.iptablesRules();
    expect(after).not.toMatch(/KUBE-|CNI-/);
    expect(after).toContain("-A INPUT -p tcp --dport 22 -j ACCEPT\n");
    expect(after).toContain("*nat\n:PREROUTING ACCEPT [0:0]\n");
    const argvs = (await host.calls()).map((c) => c.argv.join(" "));
    expect(argvs).toEqual(expect.arrayContaining(["iptables-save", "iptables-restore", "ip6tables-save"]));
    expect((await host.calls()).find((c) => c.command === "iptables-restore")?.stdinBytes).toBeGreaterThan(0);
  });

  it("refuses what real iptables refuses and leaves the rules alone", async () => {
    const host = run.hosts[1]!;
    await host.setIptablesRules("*filter\n:INPUT DROP [0:0]\n:KUBE-X - [0:0]\n-A INPUT -j KUBE-X\nCOMMIT\n");
    const before = await host.iptablesRules();
    const bad = await sshExec(host, "printf '*filter\\n-A NOPE -j ACCEPT\\nCOMMIT\\n' | iptables-restore");
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain("line 2 failed");
    expect((await sshExec(host, "iptables -X KUBE-X")).stderr).toContain("still referenced");
    expect((await sshExec(host, "iptables -N KUBE-X")).stderr).toContain("Chain already exists");
    expect((await sshExec(host, "iptables -A MISSING -j ACCEPT")).code).toBe(1);
    expect((await sshExec(host, "iptables -L")).code).toBe(2);
    expect(await host.iptablesRules()).toBe(before);
    expect((await sshExec(host, "iptables -C INPUT -j KUBE-X && echo present")).stdout).toBe("present\n");

    const flushed = await sshExec(
      host,
      "iptables -F && iptables -X && iptables -P INPUT ACCEPT && iptables -S",
    );
    expect(flushed.stdout).toBe("-P INPUT ACCEPT\n-P FORWARD ACCEPT\n-P OUTPUT ACCEPT\n");
  });

  it("ipvsadm saves, restores and clears the host's own IPVS table", async () => {
    const host = run.hosts[0]!;
    expect((await sshExec(host, "ipvsadm -Sn")).stdout).toBe("");
    await host.setIpvsRules("-A -t 10.96.0.1:443 -s rr\n");
    expect((await sshExec(host, "ipvsadm -Sn")).stdout).toBe("-A -t 10.96.0.1:443 -s rr\n");
    expect((await sshExec(host, "ipvsadm --clear && ipvsadm -S -n")).stdout).toBe("");
    expect(await host.ipvsRules()).toBe("");
    expect((await sshExec(host, "ipvsadm -L")).code).toBe(2);
  });

  it("the machine's own iptables paths reach the fakes, and the machine's netfilter is unchanged", async () => {
    const host = run.hosts[1]!;
    for (const copy of ["/usr/sbin/iptables-save", "/sbin/iptables-save"].filter((p) => existsSync(p))) {
      await host.clearCalls();
      await sshExec(host, copy);
      expect((await host.calls()).map((c) => c.command)).toEqual(["iptables-save"]);
    }
    expect(machineNetfilter()).toBe(machineBefore);
  });
});
