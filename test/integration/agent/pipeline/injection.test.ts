import { existsSync, readdirSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { homedir, tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { joinPipeline } from "../../../../agent/pipeline/pipelines/join.ts";
import { preflightPipeline } from "../../../../agent/pipeline/pipelines/preflight.ts";
import { preparePipeline } from "../../../../agent/pipeline/pipelines/prepare.ts";
import { resetPipeline } from "../../../../agent/pipeline/pipelines/reset.ts";
import {
  CA_HASH,
  failure,
  type PipelineRunner,
  pipelineRunner,
  startCluster,
  TOKEN,
} from "../../../support/harness/pipeline.ts";
import type { KubeApiServer } from "../../../support/kube-api/index.ts";
import { requireService } from "../../../support/services.ts";
import { type SshHosts, sshdUsable, startSshHosts, type TestHost } from "../../../support/ssh-hosts/index.ts";

const ok = await requireService("sshd", sshdUsable, "/usr/sbin/sshd as root");

const PWNED = `ksp-pwned-${process.pid}`;
/** Every way of smuggling a command into a shell line, each creating a distinct marker file. */
const attacks = (n: number) => [
  `$(touch /tmp/${PWNED}-${n}a)`,
  `\`touch /tmp/${PWNED}-${n}b\``,
  `x; touch /tmp/${PWNED}-${n}c`,
  `x' ; touch /tmp/${PWNED}-${n}d; echo '`,
  `x\ntouch /tmp/${PWNED}-${n}e`,
  `x && touch pwned`,
];

function expectNothingRan(host: TestHost): void {
  expect(readdirSync(tmpdir()).filter((f) => f.startsWith(PWNED))).toEqual([]);
  expect(readdirSync("/tmp").filter((f) => f.startsWith(PWNED))).toEqual([]);
  expect(existsSync(host.path(path.join(homedir(), "pwned")))).toBe(false);
  expect(existsSync("/pwned")).toBe(false);
}

const joinValues = (host: TestHost, patch: Record<string, unknown>) => ({
  nodeName: host.name,
  providerId: `ksp://pool-i/${host.name}`,
  apiEndpoint: "10.255.0.1:6443",
  token: TOKEN,
  caCertHash: CA_HASH,
  ...patch,
});

describe.skipIf(!ok)("injection attempts through pipeline inputs", () => {
  let run: SshHosts;
  let runner: PipelineRunner;
  let kube: KubeApiServer;

  beforeAll(async () => {
    kube = await startCluster();
    // netns: the reset deletes CNI interfaces with `ip link`; in its own network namespace a host cannot touch the machine's
    run = await startSshHosts({ count: 2, network: "netns", kubeApiUrl: kube.url });
    runner = pipelineRunner();
  });
  afterAll(async () => {
    await runner?.close();
    await run?.stop();
    await kube?.close();
  });

  it("hostile node names, labels, taints, endpoints and hostnames are refused, naming the field, before any command", async () => {
    const host = run.hosts[0]!;
    const cases: [Record<string, unknown>, RegExp][] = [];
    for (const [i, attack] of attacks(1).entries()) {
      cases.push([{ nodeName: attack }, /^invalid nodeName /]);
      cases.push([{ labels: { tier: attack } }, /^invalid labels\["tier"\] /]);
      cases.push([{ labels: { [attack]: "x" } }, /^invalid labels key /]);
      cases.push([{ taints: [{ key: attack, effect: "NoSchedule" }] }, /^invalid taints\[0\]\.key /]);
      cases.push([
        { taints: [{ key: "k", value: attack, effect: "NoSchedule" }] },
        /^invalid taints\[0\]\.value /,
      ]);
      cases.push([{ taints: [{ key: "k", effect: attack }] }, /^invalid taints\[0\]\.effect /]);
      cases.push([{ apiEndpoint: `10.0.0.${i}:6443${attack}` }, /^invalid apiEndpoint /]);
      cases.push([{ providerId: `ksp://x/${attack}` }, /^invalid providerId /]);
    }
    cases.push([{ poolName: attacks(1)[4] }, /^invalid poolName .*control characters/]);
    // One run per case (a host appears once per run); every case fails the first step.
    for (const [patch, message] of cases) {
      const { results: r } = await runner.run(joinPipeline(), [{ host, values: joinValues(host, patch) }]);
      expect(failure(r[0])).toMatchObject({ step: "join.check-membership", errorClass: "precondition" });
      expect(failure(r[0])?.errorMessage).toMatch(message);
    }
    for (const attack of attacks(2)) {
      const prepared = await runner.run(preparePipeline(), [
        { host, values: { prepareHosts: true, hostname: attack } },
      ]);
      expect(failure(prepared.results[0])?.errorMessage).toMatch(/^invalid hostname /);
      const pre = await runner.run(preflightPipeline(), [
        { host, values: { apiEndpoint: "10.0.0.1:6443", runtimeCli: attack } },
      ]);
      expect(failure(pre.results[0])?.errorMessage).toMatch(/^invalid runtimeCli/);
    }
    expect((await host.calls()).filter((c) => c.command === "kubeadm" || c.command === "sysctl")).toEqual([]);
    expectNothingRan(host);
  });

  it("hook parameters reach hooks as inert data, and hooks never see the token", async () => {
    const host = run.hosts[1]!;
    const hostile = attacks(3).filter((a) => !a.includes("\n"));
    const poolName = hostile.join(" | ");
    const machineId = hostile.reverse().join(" ");
    const hook = [
      'printf "%s\\n" "$KSP_POOL" > /etc/default/ksp-hook-pool',
      'printf "%s\\n" "$KSP_MACHINE_ID" > /etc/default/ksp-hook-machine',
      "echo $KSP_POOL $KSP_MACHINE_ID", // unquoted on purpose: expansion results are not re-parsed
      "env > /etc/default/ksp-hook-env",
    ].join("\n");
    const hooks = { preJoin: hook, postJoin: hook, preReset: hook, postReset: hook };
    const joined = await runner.run(joinPipeline(), [
      { host, values: joinValues(host, { hooks, poolName, machineId }) },
    ]);
    expect(failure(joined.results[0])).toBeUndefined();
    expect(await readFile(host.path("/etc/default/ksp-hook-pool"), "utf8")).toBe(`${poolName}\n`);
    expect(await readFile(host.path("/etc/default/ksp-hook-machine"), "utf8")).toBe(`${machineId}\n`);
    const env = await readFile(host.path("/etc/default/ksp-hook-env"), "utf8");
    expect(env).toContain("KSP_HOOK_NAME=post-join");
    expect(env).not.toContain(TOKEN);
    expect(env).not.toContain(CA_HASH);
    expect(joined.results[0]!.steps.find((s) => s.step === "join.post-join-hook")?.stdoutTail).toContain(
      `/tmp/${PWNED}-3a`,
    );
    const reset = await runner.run(resetPipeline(), [{ host, values: { hooks, poolName, machineId } }]);
    expect(reset.results[0]!.ok).toBe(true);
    expectNothingRan(host);
  });
});
