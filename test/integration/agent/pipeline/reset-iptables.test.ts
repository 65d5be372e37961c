import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { resetPipeline } from "../../../../agent/pipeline/pipelines/reset.ts";
import { failure, type PipelineRunner, pipelineRunner, statuses } from "../../../support/harness/pipeline.ts";
import { requireService } from "../../../support/services.ts";
import { type SshHosts, sshdUsable, startSshHosts, type TestHost } from "../../../support/ssh-hosts/index.ts";
import { machineNetfilter } from "../../../support/ssh-hosts/machine-state.ts";

const ok = await requireService("sshd", sshdUsable, "/usr/sbin/sshd as root");

/** What kube-proxy and flannel leave in iptables, around the machine's own NAT and SSH rules. */
const IPV4_RULES = `*nat
:PREROUTING ACCEPT [0:0]
:INPUT ACCEPT [0:0]
:OUTPUT ACCEPT [0:0]
:POSTROUTING ACCEPT [0:0]
:KUBE-SERVICES - [0:0]
:KUBE-POSTROUTING - [0:0]
:CNI-3f2a9c - [0:0]
-A PREROUTING -m comment --comment "kubernetes service portals" -j KUBE-SERVICES
-A POSTROUTING -m comment --comment "kubernetes postrouting rules" -j KUBE-POSTROUTING
-A POSTROUTING -s 10.244.1.0/24 -j CNI-3f2a9c
-A POSTROUTING -s 192.168.50.0/24 -o eth0 -j MASQUERADE
-A KUBE-POSTROUTING -j MASQUERADE
COMMIT
*filter
:INPUT ACCEPT [0:0]
:FORWARD DROP [0:0]
:OUTPUT ACCEPT [0:0]
:KUBE-FIREWALL - [0:0]
:FLANNEL-FWD - [0:0]
-A INPUT -j KUBE-FIREWALL
-A INPUT -p tcp -m tcp --dport 22 -j ACCEPT
-A FORWARD -j FLANNEL-FWD
-A FLANNEL-FWD -s 10.244.0.0/16 -j ACCEPT
COMMIT
`;

/** The same ruleset with every Kubernetes chain and rule gone, and everything else (policies too) kept. */
const IPV4_AFTER = `*nat
:PREROUTING ACCEPT [0:0]
:INPUT ACCEPT [0:0]
:OUTPUT ACCEPT [0:0]
:POSTROUTING ACCEPT [0:0]
-A POSTROUTING -s 192.168.50.0/24 -o eth0 -j MASQUERADE
COMMIT
*filter
:INPUT ACCEPT [0:0]
:FORWARD DROP [0:0]
:OUTPUT ACCEPT [0:0]
-A INPUT -p tcp -m tcp --dport 22 -j ACCEPT
COMMIT
`;

const IPV6_RULES = `*filter
:INPUT ACCEPT [0:0]
:FORWARD ACCEPT [0:0]
:OUTPUT ACCEPT [0:0]
:KUBE-FIREWALL - [0:0]
-A INPUT -j KUBE-FIREWALL
COMMIT
`;

const IPVS_RULES = "-A -t 10.96.0.1:443 -s rr\n-a -t 10.96.0.1:443 -r 192.168.50.10:6443 -m -w 1\n";

const callsOf = async (host: TestHost, command: string) =>
  (await host.calls()).filter((c) => c.command === command).map((c) => c.argv.slice(1).join(" "));

describe.skipIf(!ok)("reset cleans Kubernetes iptables rules on ssh test hosts", () => {
  let run: SshHosts;
  let runner: PipelineRunner;
  let machineBefore = "";

  beforeAll(async () => {
    machineBefore = machineNetfilter();
    // netns: the reset deletes CNI interfaces with `ip link`; in its own network namespace a host cannot touch the machine's
    run = await startSshHosts({ count: 1, network: "netns" });
    runner = pipelineRunner();
  });
  afterAll(async () => {
    await runner?.close();
    await run?.stop();
  });

  it("removes kube-proxy and CNI rules (IPv4, IPv6, IPVS), keeps the rest, and a second reset is already-done", async () => {
    const host = run.hosts[0]!;
    await host.setIptablesRules(IPV4_RULES);
    await host.setIptablesRules(IPV6_RULES, "ip6tables");
    await host.setIpvsRules(IPVS_RULES);

    const first = await runner.run(resetPipeline(), [{ host, values: {} }]);
    expect(failure(first.results[0])).toBeUndefined();
    expect(statuses(first.results[0])).toMatchObject({
      "reset.kubeadm-reset": "already-done",
      "reset.iptables": "ok",
      "reset.kubelet-state": "already-done",
    });
    const step = first.results[0]!.steps.find((s) => s.step === "reset.iptables");
    expect(step?.stdoutTail).toContain("removed Kubernetes rules from iptables");
    expect(step?.stdoutTail).toContain("removed Kubernetes rules from ip6tables");
    expect(step?.stdoutTail).toContain("cleared IPVS");
    expect(await host.iptablesRules()).toBe(IPV4_AFTER);
    expect(await host.iptablesRules("ip6tables")).toBe(
      "*filter\n:INPUT ACCEPT [0:0]\n:FORWARD ACCEPT [0:0]\n:OUTPUT ACCEPT [0:0]\nCOMMIT\n",
    );
    expect(await host.ipvsRules()).toBe("");
    expect(await callsOf(host, "iptables-restore")).toEqual([""]);
    expect(await callsOf(host, "ip6tables-restore")).toEqual([""]);
    expect(await callsOf(host, "ipvsadm")).toContain("--clear");

    const second = await runner.run(resetPipeline(), [{ host, values: {} }]);
    expect(second.results[0]!.ok).toBe(true);
    expect(statuses(second.results[0])["reset.iptables"]).toBe("already-done");
    expect(await host.iptablesRules()).toBe(IPV4_AFTER);
    expect(await callsOf(host, "iptables-restore")).toHaveLength(1);
    expect((await callsOf(host, "ipvsadm")).filter((a) => a === "--clear")).toHaveLength(1);

    expect(machineNetfilter()).toBe(machineBefore);
  });
});
