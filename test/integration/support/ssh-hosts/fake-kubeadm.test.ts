import { existsSync, readFileSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CLUSTER_CA_PEM, type KubeApiServer } from "../../../support/kube-api/index.ts";
import { requireService } from "../../../support/services.ts";
import { type SshHosts, sshdUsable, startSshHosts } from "../../../support/ssh-hosts/index.ts";
import { sshExec } from "../../../support/ssh-hosts/ssh-exec.ts";
import {
  CA_HASH,
  getNode,
  joinConfig,
  nodePosts,
  startCluster,
  JOIN_TOKEN as TOKEN,
} from "./join-fixture.ts";

const ok = await requireService("sshd", sshdUsable, "/usr/sbin/sshd as root");

describe.skipIf(!ok)("fake kubeadm, kubelet and systemctl on ssh test hosts", () => {
  let run: SshHosts;
  let kube: KubeApiServer;

  beforeAll(async () => {
    kube = await startCluster();
    run = await startSshHosts({ count: 3, kubeApiUrl: kube.url, cpus: [8, 16, 4], memoryMiB: 32768 });
  });
  afterAll(async () => {
    await run?.stop();
    await kube?.close();
  });

  it("joins from a v1beta4 config file, writes kubelet state and registers the Node", async () => {
    const host = run.hosts[0]!;
    const put = await sshExec(host, "cat > ~/join.yaml", { stdin: joinConfig("worker-a") });
    expect(put.code).toBe(0);
    const joined = await sshExec(host, "kubeadm join --config ~/join.yaml && systemctl is-active kubelet");
    expect(joined.stderr).toBe("");
    expect(joined.code).toBe(0);
    expect(joined.stdout).toContain("This node has joined the cluster");
    expect(joined.stdout.trim().endsWith("active")).toBe(true);
    expect(readFileSync(host.path("/etc/kubernetes/kubelet.conf"), "utf8")).toContain(
      "https://10.255.0.1:6443",
    );
    expect(existsSync(host.path("/var/lib/kubelet/config.yaml"))).toBe(true);
    // The CA discovery found and pinned, so the agent's openssl check of ca.crt sees this cluster.
    expect(readFileSync(host.path("/etc/kubernetes/pki/ca.crt"), "utf8")).toBe(CLUSTER_CA_PEM);
    expect(existsSync(host.path("/etc/kubernetes/bootstrap-kubelet.conf"))).toBe(false);
    expect(readFileSync(host.path("/var/lib/kubelet/kubeadm-flags.env"), "utf8")).toContain(
      "--register-with-taints=ksp.dev/initializing=true:NoSchedule --hostname-override=worker-a " +
        "--provider-id=ksp://pool-a/worker-a --node-labels=ksp.dev/pool=pool-a,ksp.dev/tier=gpu",
    );
    expect(await host.joinState()).toMatchObject({ name: "worker-a", providerID: "ksp://pool-a/worker-a" });

    const node = await getNode(kube, "worker-a");
    expect(node?.spec).toEqual({
      providerID: "ksp://pool-a/worker-a",
      taints: [{ key: "ksp.dev/initializing", value: "true", effect: "NoSchedule" }],
    });
    expect(node?.metadata.labels).toMatchObject({ "ksp.dev/pool": "pool-a", "ksp.dev/tier": "gpu" });
    expect(node?.status.capacity).toMatchObject({ cpu: "8", memory: "32768Mi", pods: "110" });
    expect(node?.status.conditions[0]).toMatchObject({ type: "Ready", status: "True" });
  });

  it("refuses a second join like kubeadm preflight, and reset is idempotent", async () => {
    const host = run.hosts[0]!;
    const posts = nodePosts(kube);
    const again = await sshExec(host, "kubeadm join --config ~/join.yaml");
    expect(again.code).toBe(1);
    expect(again.stderr).toContain(
      "[ERROR FileAvailable--etc-kubernetes-kubelet.conf]: /etc/kubernetes/kubelet.conf already exists",
    );
    expect(nodePosts(kube)).toBe(posts);

    const declined = await sshExec(host, "printf 'n\\n' | kubeadm reset");
    expect(declined).toMatchObject({ code: 1, stderr: expect.stringContaining("aborted reset operation") });
    expect(existsSync(host.path("/etc/kubernetes/kubelet.conf"))).toBe(true);
    for (let i = 0; i < 2; i++) {
      const reset = await sshExec(host, "kubeadm reset -f");
      expect(reset.code).toBe(0);
    }
    expect(existsSync(host.path("/etc/kubernetes/kubelet.conf"))).toBe(false);
    expect(existsSync(host.path("/var/lib/kubelet/config.yaml"))).toBe(false);
    expect((await host.units()).kubelet?.active).toBe(false);
    expect((await sshExec(host, "systemctl is-active kubelet")).code).toBe(3);
    expect((await sshExec(host, "kubeadm join --config ~/join.yaml")).code).toBe(0);
  });

  it("never records the token: flag form and v1beta3 config on stdin", async () => {
    const host = run.hosts[1]!;
    const flags = await sshExec(
      host,
      `kubeadm join 10.255.0.1:6443 --token ${TOKEN} --discovery-token-ca-cert-hash ${CA_HASH} --node-name worker-b`,
    );
    expect(flags.code).toBe(0);
    await sshExec(host, "kubeadm reset --force");
    const v1beta3 = joinConfig("worker-b", { apiVersion: "v1beta3" });
    const stdin = await sshExec(host, "kubeadm join --config /dev/stdin", { stdin: v1beta3 });
    expect(stdin.code).toBe(0);
    expect((await host.joinState())?.providerID).toBe("ksp://pool-a/worker-b");

    const calls = (await host.calls()).filter((c) => c.argv[1] === "join");
    expect(calls[0]?.argv).toContain("***");
    expect(calls[1]).toMatchObject({
      argv: ["kubeadm", "join", "--config", "/dev/stdin"],
      cwd: "/root",
      exitCode: 0,
    });
    expect(calls[1]?.stdinBytes).toBe(Buffer.byteLength(v1beta3));
    const everything = readFileSync(host.path("/var/log/ksp-fake/calls.jsonl"), "utf8");
    expect(everything).not.toContain(TOKEN);
    expect(readFileSync(host.path("/var/log/ksp-fake/node.json"), "utf8")).not.toContain(TOKEN);
  });

  it("rejects what kubeadm rejects: the wrong kubeletExtraArgs shape, mixed --config and flags", async () => {
    const host = run.hosts[2]!;
    const wrongShape = joinConfig("worker-c").replace("v1beta4", "v1beta3");
    const res = await sshExec(host, "kubeadm join --config /dev/stdin", { stdin: wrongShape });
    expect(res.code).toBe(1);
    expect(res.stderr).toContain("cannot unmarshal array");
    const mixed = await sshExec(host, "kubeadm join --config /dev/null --node-name x");
    expect(mixed.stderr).toContain("can not mix '--config' with arguments [node-name]");
    expect(existsSync(host.path("/etc/kubernetes/kubelet.conf"))).toBe(false);
  });

  it("answers version queries and tracks systemd units", async () => {
    const host = run.hosts[2]!;
    const res = await sshExec(
      host,
      "kubeadm version -o short; kubelet --version; systemctl is-active containerd; systemctl enable --now kubelet; systemctl is-enabled kubelet; systemctl stop kubelet; systemctl is-active kubelet; systemctl daemon-reload; systemctl start nope",
    );
    expect(res.stdout).toBe("v1.31.2\nKubernetes v1.31.2\nactive\nenabled\ninactive\n");
    expect(res.stderr).toContain("Unit nope.service not found.");
    expect(res.code).toBe(5);
  });

  it("records, and keeps off the shared kernel, the sysctl/modprobe/swapoff a join script runs, even by absolute path", async () => {
    const host = run.hosts[1]!;
    const script =
      "modprobe br_netfilter && /sbin/sysctl --system && swapoff -a && /bin/systemctl is-active containerd";
    const res = await sshExec(host, script);
    expect(res).toMatchObject({ code: 0, stdout: "active\n" });
    const argvs = (await host.calls()).map((c) => c.argv.join(" "));
    expect(argvs).toEqual(
      expect.arrayContaining([
        "modprobe br_netfilter",
        "sysctl --system",
        "swapoff -a",
        "systemctl is-active containerd",
      ]),
    );
  });

  it("fails the next matching call on request, once, and can delay calls", async () => {
    const host = run.hosts[2]!;
    await host.failNext("kubeadm join", 7, "error execution phase kubelet-start: injected");
    const join = `kubeadm join --config /dev/stdin`;
    const failed = await sshExec(host, join, { stdin: joinConfig("worker-c") });
    expect(failed).toMatchObject({ code: 7, stderr: "error execution phase kubelet-start: injected\n" });
    expect(existsSync(host.path("/etc/kubernetes/kubelet.conf"))).toBe(false);
    expect((await sshExec(host, join, { stdin: joinConfig("worker-c") })).code).toBe(0);

    await host.setBehaviour("kubeadm reset", { delayMs: 1200 });
    const t0 = Date.now();
    expect((await sshExec(host, "kubeadm reset -f")).code).toBe(0);
    expect(Date.now() - t0).toBeGreaterThanOrEqual(1200);
    await host.setBehaviour("kubeadm reset", null);
    const last = (await host.calls()).at(-1);
    expect(last).toMatchObject({ argv: ["kubeadm", "reset", "-f"], exitCode: 0 });
    expect(last?.durationMs).toBeGreaterThanOrEqual(1200);
  });

  it("lists the calls still running, and forgets them once they end", async () => {
    const host = run.hosts[2]!;
    await host.setBehaviour("kubeadm reset", { delayMs: 1500 });
    try {
      const call = sshExec(host, "kubeadm reset -f");
      let running: Awaited<ReturnType<typeof host.runningCalls>> = [];
      for (let i = 0; i < 40 && running.length === 0; i++) {
        await new Promise((resolve) => setTimeout(resolve, 50));
        running = await host.runningCalls();
      }
      expect(running.map((c) => c.argv)).toEqual([["kubeadm", "reset", "-f"]]);
      expect((await call).code).toBe(0);
      expect(await host.runningCalls()).toEqual([]);
    } finally {
      await host.setBehaviour("kubeadm reset", null);
    }
  });
});
