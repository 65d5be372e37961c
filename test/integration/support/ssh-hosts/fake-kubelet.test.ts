import { readFileSync, readlinkSync } from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { eventually } from "../../../support/eventually.ts";
import type { KubeApiServer } from "../../../support/kube-api/index.ts";
import { requireService } from "../../../support/services.ts";
import { type SshHosts, sshdUsable, startSshHosts, type TestHost } from "../../../support/ssh-hosts/index.ts";
import { sshExec } from "../../../support/ssh-hosts/ssh-exec.ts";
import { getNode, joinConfig, startCluster } from "./join-fixture.ts";

const ok = await requireService("sshd", sshdUsable, "/usr/sbin/sshd as root");

/** Longer than two of the kubelet's 1 s syncs: a Node still missing then is not coming back. */
const STAYS_GONE_MS = 2500;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Gone, or dead and waiting to be reaped. */
function processGone(pid: number): boolean {
  try {
    return /\)\s+Z\s/.test(readFileSync(`/proc/${pid}/stat`, "utf8"));
  } catch {
    return true;
  }
}

describe.skipIf(!ok)("fake kubelet: keeps its Node registered while it runs", () => {
  let kube: KubeApiServer;
  let run: SshHosts;

  beforeAll(async () => {
    kube = await startCluster();
    run = await startSshHosts({ count: 4, kubeApiUrl: kube.url, namePrefix: "kubelet" });
  });
  afterAll(async () => {
    await run?.stop();
    await kube?.close();
  });

  async function join(host: TestHost): Promise<void> {
    const res = await sshExec(host, "kubeadm join --config /dev/stdin", { stdin: joinConfig(host.name) });
    expect(res).toMatchObject({ code: 0, stderr: "" });
    expect(await getNode(kube, host.name)).toBeDefined();
    expect(await host.kubeletRunning()).toBe(true);
  }
  const deleteNode = async (name: string) => {
    const res = await fetch(`${kube.url}/api/v1/nodes/${name}`, { method: "DELETE" });
    expect(res.status).toBe(200);
  };
  const comesBack = (name: string, timeoutMs = 3000) =>
    eventually(async () => expect(await getNode(kube, name)).toBeDefined(), timeoutMs);
  const staysGone = async (name: string) => {
    await sleep(STAYS_GONE_MS);
    expect(await getNode(kube, name)).toBeUndefined();
  };

  it("re-registers a deleted Node with its providerID, labels and taints, and leaves an existing one alone", async () => {
    const host = run.hosts[0]!;
    await join(host);
    const first = await getNode(kube, host.name);
    await deleteNode(host.name);
    const t0 = Date.now();
    await comesBack(host.name);
    expect(Date.now() - t0).toBeLessThan(2000);
    const again = await getNode(kube, host.name);
    expect(again?.metadata.uid).toMatch(/^[0-9a-f-]{36}$/);
    expect(again?.metadata.uid).not.toBe(first?.metadata.uid);
    expect(again?.spec).toEqual({
      providerID: `ksp://pool-a/${host.name}`,
      taints: [{ key: "ksp.dev/initializing", value: "true", effect: "NoSchedule" }],
    });
    expect(again?.metadata.labels).toMatchObject({ "ksp.dev/pool": "pool-a", "ksp.dev/tier": "gpu" });

    // A Node that exists is the control plane's to change (here: NotReady), not the fake's to fix.
    const notReady = { status: { conditions: [{ type: "Ready", status: "False", reason: "Test" }] } };
    kube.store.update(
      "nodes",
      undefined,
      host.name,
      { ...kube.store.get("nodes", undefined, host.name), ...notReady },
      {
        subresource: "status",
      },
    );
    await sleep(STAYS_GONE_MS);
    expect((await getNode(kube, host.name))?.status.conditions).toEqual(notReady.status.conditions);
  });

  it("runs in the host's mount namespace, detached from the SSH session that started it", async () => {
    const host = run.hosts[1]!;
    await join(host);
    const pid = (await host.kubeletPid())!;
    const sshdPid = Number(readFileSync(path.join(host.root, "ssh", "sshd.pid"), "utf8"));
    expect(readlinkSync(`/proc/${pid}/ns/mnt`)).toBe(readlinkSync(`/proc/${sshdPid}/ns/mnt`));
    expect(readlinkSync(`/proc/${pid}/ns/mnt`)).not.toBe(readlinkSync("/proc/self/ns/mnt"));
    // The session that ran `kubeadm join` is over; the kubelet outlived it.
    expect((await sshExec(host, "systemctl is-active kubelet")).stdout).toBe("active\n");
    expect(await host.kubeletPid()).toBe(pid);
  });

  it("stops with the unit (no more re-registration) and starts and restarts with it", async () => {
    const host = run.hosts[1]!;
    const before = (await host.kubeletPid())!;
    expect((await sshExec(host, "systemctl restart kubelet")).code).toBe(0);
    const restarted = await host.kubeletPid();
    expect(restarted).toBeDefined();
    expect(restarted).not.toBe(before);
    expect(processGone(before)).toBe(true);

    expect((await sshExec(host, "systemctl stop kubelet")).code).toBe(0);
    expect(await host.kubeletRunning()).toBe(false);
    await deleteNode(host.name);
    await staysGone(host.name);

    const started = await sshExec(host, "systemctl start kubelet && systemctl is-active kubelet");
    expect(started).toMatchObject({ code: 0, stdout: "active\n" });
    expect(await host.kubeletRunning()).toBe(true);
    await comesBack(host.name);

    expect((await sshExec(host, "systemctl disable --now kubelet")).code).toBe(0);
    expect(await host.kubeletRunning()).toBe(false);
    expect((await sshExec(host, "systemctl enable --now kubelet")).code).toBe(0);
    expect(await host.kubeletRunning()).toBe(true);
  });

  it("stops within a second when a test marks the unit inactive from outside", async () => {
    const host = run.hosts[1]!;
    expect(await host.kubeletRunning()).toBe(true);
    await host.setUnit("kubelet", { active: false, enabled: true });
    await eventually(async () => expect(await host.kubeletRunning()).toBe(false), 2000);
  });

  it("is gone after kubeadm reset, so a deleted Node stays deleted", async () => {
    const host = run.hosts[2]!;
    await join(host);
    const reset = await sshExec(host, "kubeadm reset -f");
    expect(reset.code).toBe(0);
    expect(await host.kubeletRunning()).toBe(false);
    await deleteNode(host.name);
    await staysGone(host.name);
  });

  it("dies with the host: no re-registration while it is down; an enabled kubelet comes back on restart", async () => {
    const host = run.hosts[3]!;
    await join(host);
    expect((await sshExec(host, "systemctl enable kubelet")).code).toBe(0);
    const pid = (await host.kubeletPid())!;
    await host.kill();
    expect(processGone(pid)).toBe(true);
    expect(await host.kubeletRunning()).toBe(false);
    await deleteNode(host.name);
    await staysGone(host.name);

    await host.restart();
    expect(await host.kubeletRunning()).toBe(true);
    expect((await sshExec(host, "systemctl is-active kubelet")).stdout).toBe("active\n");
    await comesBack(host.name);
  });
});
