import { execFileSync } from "node:child_process";
import { existsSync, statSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { JOIN_CONFIG_PATH, joinPipeline } from "../../../../agent/pipeline/pipelines/join.ts";
import { probePipeline } from "../../../../agent/pipeline/pipelines/probe.ts";
import {
  CA_HASH,
  failure,
  OTHER_CA_HASH,
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

const HOOK_OUT = "/etc/kubernetes/hook-env.txt";
const hookScript = (name: string) =>
  `printf '%s %s %s %s %s\\n' "${name}" "$KSP_NODE_NAME" "$KSP_PROVIDER_ID" "$KSP_API_ENDPOINT" "$KSP_POOL" >> ${HOOK_OUT}`;

function joinValues(host: TestHost, patch: Record<string, unknown> = {}) {
  return {
    nodeName: `node-${host.name}`,
    providerId: `ksp://pool-a/${host.name}`,
    apiEndpoint: "10.255.0.1:6443",
    token: TOKEN,
    caCertHash: CA_HASH,
    labels: { "ksp.dev/pool": "pool-a", tier: "gpu" },
    taints: [{ key: "ksp.dev/initializing", value: "true", effect: "NoSchedule" }],
    hooks: {
      preJoin: hookScript("pre-join"),
      postJoin: hookScript("post-join"),
      preReset: null,
      postReset: null,
    },
    poolName: "pool a",
    machineId: host.name,
    ...patch,
  };
}

const joinCalls = async (host: TestHost) =>
  (await host.calls()).filter((c) => c.command === "kubeadm" && c.argv[1] === "join");

/** The token must be nowhere: not in results, logs, recorded argv, or any file the host kept. */
async function expectNoToken(host: TestHost, ...texts: unknown[]): Promise<void> {
  for (const text of texts) expect(JSON.stringify(text)).not.toContain(TOKEN);
  const argv = JSON.stringify((await host.calls()).map((c) => c.argv));
  expect(argv).not.toContain(TOKEN);
  expect(argv).not.toContain("***"); // what the fakes record when a token-shaped argument was passed
  let found = "";
  try {
    found = execFileSync("grep", ["-rl", "--", TOKEN, host.root]).toString();
  } catch {
    found = ""; // grep exits 1: no match
  }
  expect(found).toBe("");
}

describe.skipIf(!ok)("join pipeline on ssh test hosts", () => {
  let run: SshHosts;
  let runner: PipelineRunner;
  let kube: KubeApiServer;

  beforeAll(async () => {
    kube = await startCluster();
    run = await startSshHosts({ count: 3, kubeVersion: "v1.31.2", kubeApiUrl: kube.url });
    runner = pipelineRunner();
  });
  afterAll(async () => {
    await runner?.close();
    await run?.stop();
    await kube?.close();
  });

  it("joins: hooks with the machine's facts, a 0600 JoinConfiguration removed afterwards, kubelet active", async () => {
    const host = run.hosts[0]!;
    await host.setBehaviour("kubeadm join", { delayMs: 1500 });
    const configOnHost = host.path(JOIN_CONFIG_PATH);
    let modeSeen: number | undefined;
    const watcher = setInterval(() => {
      if (modeSeen === undefined && existsSync(configOnHost)) modeSeen = statSync(configOnHost).mode & 0o777;
    }, 20);
    const { results, streamed, logs } = await runner.run(joinPipeline(), [
      { host, values: joinValues(host) },
    ]);
    clearInterval(watcher);
    await host.setBehaviour("kubeadm join", null);

    expect(failure(results[0])).toBeUndefined();
    expect(statuses(results[0])).toEqual({
      "join.check-membership": "ok",
      "join.pre-join-hook": "ok",
      "join.kubeadm-join": "ok",
      "join.kubelet-active": "already-done",
      "join.post-join-hook": "ok",
    });
    expect(streamed.map((s) => s.step)).toEqual(results[0]!.steps.map((s) => s.step));
    expect(modeSeen).toBe(0o600);
    expect(existsSync(configOnHost)).toBe(false);
    expect(await host.joinState()).toMatchObject({
      name: `node-${host.name}`,
      providerID: `ksp://pool-a/${host.name}`,
      apiServerEndpoint: "10.255.0.1:6443",
      configApiVersion: "kubeadm.k8s.io/v1beta4",
      extraArgs: {
        "provider-id": `ksp://pool-a/${host.name}`,
        "node-labels": "ksp.dev/pool=pool-a,tier=gpu",
      },
      taints: [{ key: "ksp.dev/initializing", value: "true", effect: "NoSchedule" }],
    });
    expect((await host.units()).kubelet?.active).toBe(true);
    expect(kube.store.get("nodes", undefined, `node-${host.name}`).spec).toMatchObject({
      providerID: `ksp://pool-a/${host.name}`,
    });
    expect((await joinCalls(host)).map((c) => c.argv)).toEqual([
      ["kubeadm", "join", "--config", JOIN_CONFIG_PATH],
    ]);
    const env = `node-${host.name} ksp://pool-a/${host.name} 10.255.0.1:6443 pool a`;
    expect(await readFile(host.path(HOOK_OUT), "utf8")).toBe(`pre-join ${env}\npost-join ${env}\n`);
    await expectNoToken(host, results, streamed, logs);

    const probe = await runner.run(probePipeline(), [{ host, values: {} }]);
    expect(statuses(probe.results[0])).toEqual({ "probe.ssh-echo": "ok", "probe.kubelet-active": "ok" });
  });

  it("a second run on the joined host is all already-done and joins nothing", async () => {
    const host = run.hosts[0]!;
    const { results } = await runner.run(joinPipeline(), [{ host, values: joinValues(host) }]);
    expect(results[0]!.ok).toBe(true);
    expect(statuses(results[0])).toEqual({
      "join.check-membership": "ok",
      "join.pre-join-hook": "already-done",
      "join.kubeadm-join": "already-done",
      "join.kubelet-active": "already-done",
      "join.post-join-hook": "already-done",
    });
    expect(results[0]!.steps[0]!.stdoutTail).toContain("already joined to this cluster");
    expect(await joinCalls(host)).toHaveLength(1);
  });

  it("joined elsewhere, or here under another providerID: precondition before any hook or join", async () => {
    const host = run.hosts[0]!;
    // Another cluster: another API endpoint and another CA.
    const elsewhere = await runner.run(joinPipeline(), [
      { host, values: joinValues(host, { apiEndpoint: "10.99.0.1:6443", caCertHash: OTHER_CA_HASH }) },
    ]);
    expect(failure(elsewhere.results[0])).toMatchObject({
      step: "join.check-membership",
      errorClass: "precondition",
      retryable: false,
      errorMessage: expect.stringContaining(
        "already joined to another cluster (kubelet.conf server https://10.255.0.1:6443",
      ),
    });
    expect(statuses(elsewhere.results[0])["join.pre-join-hook"]).toBe("not-run");
    const renamed = await runner.run(joinPipeline(), [
      { host, values: joinValues(host, { providerId: "ksp://pool-b/other" }) },
    ]);
    expect(failure(renamed.results[0])?.errorMessage).toMatch(
      /joined to this cluster with providerID ksp:\/\/pool-a\/.* expected ksp:\/\/pool-b\/other/,
    );
    expect(await joinCalls(host)).toHaveLength(1);
    await expectNoToken(host, elsewhere, renamed);
  });

  it("a failed kubeadm join stops that host only, removes the config, and resumes from the failed step", async () => {
    const [bad, good] = [run.hosts[1]!, run.hosts[2]!];
    await bad.failNext(
      "kubeadm join",
      1,
      "error execution phase preflight: couldn't validate the identity of the API Server",
    );
    const first = await runner.run(joinPipeline(), [
      { host: bad, values: joinValues(bad) },
      { host: good, values: joinValues(good) },
    ]);
    expect(first.results[1]!.ok).toBe(true);
    expect(first.results[0]!.failedStep).toBe("join.kubeadm-join");
    expect(failure(first.results[0])).toMatchObject({
      errorClass: "command",
      exitCode: 1,
      errorMessage: expect.stringContaining("couldn't validate the identity of the API Server"),
    });
    expect(statuses(first.results[0])["join.post-join-hook"]).toBe("not-run");
    expect(existsSync(bad.path(JOIN_CONFIG_PATH))).toBe(false);

    const resumed = await runner.run(joinPipeline(), [{ host: bad, values: joinValues(bad) }], {
      resumeFrom: { [bad.name]: "join.kubeadm-join" },
    });
    expect(statuses(resumed.results[0])).toMatchObject({
      "join.check-membership": "skipped",
      "join.pre-join-hook": "skipped",
      "join.kubeadm-join": "ok",
      "join.post-join-hook": "ok",
    });
    expect((await bad.joinState())?.providerID).toBe(`ksp://pool-a/${bad.name}`);
    await expectNoToken(bad, first, resumed);
  });
});
