import { existsSync, readdirSync } from "node:fs";
import { mkdir, readFile, writeFile } from "node:fs/promises";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { joinPipeline, KSP_STATE_DIR } from "../../../../agent/pipeline/pipelines/join.ts";
import { MODULES_FILE, preparePipeline, SYSCTL_FILE } from "../../../../agent/pipeline/pipelines/prepare.ts";
import { probePipeline } from "../../../../agent/pipeline/pipelines/probe.ts";
import { resetPipeline } from "../../../../agent/pipeline/pipelines/reset.ts";
import {
  CA_HASH,
  failure,
  type PipelineRunner,
  pipelineRunner,
  startCluster,
  statuses,
  TOKEN,
} from "../../../support/harness/pipeline.ts";
import type { KubeApiServer } from "../../../support/kube-api/index.ts";
import { requireService } from "../../../support/services.ts";
import { type SshHosts, sshdUsable, startSshHosts, type TestHost } from "../../../support/ssh-hosts/index.ts";

const ok = await requireService("sshd", sshdUsable, "/usr/sbin/sshd as root");

const hooks = {
  preJoin: null,
  postJoin: null,
  preReset: `echo "pre-reset $KSP_NODE_NAME" >> /etc/default/ksp-reset-hooks.txt`,
  postReset: `echo "post-reset $KSP_NODE_NAME" >> /etc/default/ksp-reset-hooks.txt`,
};
const joinValues = (host: TestHost) => ({
  nodeName: host.name,
  providerId: `ksp://pool-r/${host.name}`,
  apiEndpoint: "10.255.0.1:6443",
  token: TOKEN,
  caCertHash: CA_HASH,
  hooks,
});
const calls = async (host: TestHost, ...words: string[]) =>
  (await host.calls()).filter((c) => words.every((w, i) => c.argv[i] === w));

describe.skipIf(!ok)("reset, prepare and probe pipelines on ssh test hosts", () => {
  let run: SshHosts;
  let runner: PipelineRunner;
  let kube: KubeApiServer;

  beforeAll(async () => {
    kube = await startCluster();
    // netns: the reset deletes CNI interfaces with `ip link`; in its own network namespace a host cannot touch the machine's
    run = await startSshHosts({ count: 3, kubeVersion: "v1.30.5", network: "netns", kubeApiUrl: kube.url });
    runner = pipelineRunner();
  });
  afterAll(async () => {
    await runner?.close();
    await run?.stop();
    await kube?.close();
  });

  it("resets a joined host (kubeadm, CNI, kubelet state, hooks) and a second reset succeeds", async () => {
    const host = run.hosts[0]!;
    const joined = await runner.run(joinPipeline(), [{ host, values: joinValues(host) }]);
    expect(joined.results[0]!.ok).toBe(true);
    expect((await host.joinState())?.configApiVersion).toBe("kubeadm.k8s.io/v1beta3");
    await writeFile(host.path("/etc/cni/net.d/10-flannel.conflist"), "{}");
    await mkdir(host.path("/var/lib/cni/networks/cbr0"), { recursive: true });
    await writeFile(host.path("/var/lib/kubelet/pods-leftover"), "x");

    const values = { hooks, nodeName: host.name };
    const first = await runner.run(resetPipeline(), [{ host, values }]);
    expect(failure(first.results[0])).toBeUndefined();
    expect(statuses(first.results[0])).toEqual({
      "reset.pre-reset-hook": "ok",
      "reset.kubeadm-reset": "ok",
      "reset.cni": "ok",
      "reset.iptables": "already-done",
      "reset.kubelet-state": "ok",
      "reset.post-reset-hook": "ok",
    });
    expect(await host.joinState()).toBeUndefined();
    expect((await host.units()).kubelet?.active).toBe(false);
    expect(existsSync(host.path("/etc/kubernetes/kubelet.conf"))).toBe(false);
    expect(existsSync(host.path(KSP_STATE_DIR))).toBe(false);
    expect(readdirSync(host.path("/var/lib/kubelet"))).toEqual([]);
    expect(readdirSync(host.path("/var/lib/cni"))).toEqual([]);
    expect(readdirSync(host.path("/etc/cni/net.d"))).toEqual([]);
    const hookLog = host.path("/etc/default/ksp-reset-hooks.txt");
    expect(await readFile(hookLog, "utf8")).toBe(`pre-reset ${host.name}\npost-reset ${host.name}\n`);
    expect(await calls(host, "kubeadm", "reset")).toHaveLength(1);

    const second = await runner.run(resetPipeline(), [{ host, values }]);
    expect(second.results[0]!.ok).toBe(true);
    expect(statuses(second.results[0])).toMatchObject({
      "reset.kubeadm-reset": "already-done",
      "reset.cni": "already-done",
      "reset.iptables": "already-done",
      "reset.kubelet-state": "already-done",
    });
    expect(await calls(host, "kubeadm", "reset")).toHaveLength(1);
    // Reset hooks run on every reset (they must be idempotent, like the rest of the pipeline).
    expect((await readFile(hookLog, "utf8")).split("\n")).toHaveLength(5);

    const probe = await runner.run(probePipeline(), [{ host, values: {} }]);
    expect(failure(probe.results[0])).toMatchObject({
      step: "probe.kubelet-active",
      errorClass: "command",
      errorMessage: "kubelet is not active (inactive)",
    });
    expect(statuses(probe.results[0])["probe.ssh-echo"]).toBe("ok");
  });

  it("leftovers of a half-finished join are reset before joining", async () => {
    const host = run.hosts[1]!;
    await mkdir(host.path("/etc/kubernetes/pki"), { recursive: true });
    await writeFile(host.path("/etc/kubernetes/pki/ca.crt"), "left over");
    const { results } = await runner.run(joinPipeline(), [{ host, values: joinValues(host) }]);
    expect(results[0]!.ok).toBe(true);
    const kubeadm = (await host.calls())
      .filter((c) => c.command === "kubeadm")
      .map((c) => c.argv.slice(1, 3));
    expect(kubeadm).toEqual([
      ["version", "-o"],
      ["reset", "-f"],
      ["join", "--config"],
    ]);
    expect(results[0]!.steps.find((s) => s.step === "join.kubeadm-join")?.stdoutTail).toContain(
      "left by an earlier join: running kubeadm reset -f first",
    );
  });

  it("prepare: opt-in only; comments out fstab swap, writes modules and sysctls, and re-runs cleanly", async () => {
    const host = run.hosts[2]!;
    const refused = await runner.run(preparePipeline(), [{ host, values: {} }]);
    expect(failure(refused.results[0])).toMatchObject({
      step: "prepare.swap-off",
      errorClass: "precondition",
      errorMessage: expect.stringContaining("does not opt in"),
    });

    const fstab = host.path("/etc/fstab");
    const original = await readFile(fstab, "utf8");
    await writeFile(fstab, `${original}/swapfile none swap sw 0 0\n# /old none swap sw 0 0\n`);
    const first = await runner.run(preparePipeline(), [{ host, values: { prepareHosts: true } }]);
    expect(failure(first.results[0])).toBeUndefined();
    expect(statuses(first.results[0])).toMatchObject({
      "prepare.swap-off": "ok",
      "prepare.kernel-modules": expect.stringMatching(/^(ok|already-done)$/),
      "prepare.hostname": "already-done",
    });
    expect(await readFile(fstab, "utf8")).toBe(
      `${original}# disabled by kube-static-pool: /swapfile none swap sw 0 0\n# /old none swap sw 0 0\n`,
    );
    expect(await readFile(host.path(MODULES_FILE), "utf8")).toMatch(/\noverlay\nbr_netfilter\n$/);
    expect(await readFile(host.path(SYSCTL_FILE), "utf8")).toContain("net.ipv4.ip_forward = 1\n");
    expect(await calls(host, "sysctl", "-p")).toHaveLength(1);

    const before = await readFile(fstab, "utf8");
    const second = await runner.run(preparePipeline(), [{ host, values: { prepareHosts: true } }]);
    expect(second.results[0]!.ok).toBe(true);
    expect(statuses(second.results[0])).toMatchObject({
      "prepare.swap-off": "already-done",
      "prepare.kernel-modules": "already-done",
      "prepare.hostname": "already-done",
    });
    expect(await readFile(fstab, "utf8")).toBe(before);
  });
});
