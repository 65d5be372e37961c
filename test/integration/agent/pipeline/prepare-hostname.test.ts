import { existsSync, readFileSync } from "node:fs";
import { hostname } from "node:os";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { preparePipeline } from "../../../../agent/pipeline/pipelines/prepare.ts";
import { failure, type PipelineRunner, pipelineRunner, statuses } from "../../../support/harness/pipeline.ts";
import { requireService } from "../../../support/services.ts";
import { type SshHosts, sshdUsable, startSshHosts, type TestHost } from "../../../support/ssh-hosts/index.ts";
import { sshExec } from "../../../support/ssh-hosts/ssh-exec.ts";

const ok = await requireService("sshd", sshdUsable, "/usr/sbin/sshd as root");

const machineEtcHostname = () => (existsSync("/etc/hostname") ? readFileSync("/etc/hostname", "utf8") : "");
const etcHostname = (host: TestHost) => readFileSync(host.path("/etc/hostname"), "utf8");
const kernelName = async (host: TestHost) => (await sshExec(host, "hostname")).stdout.trim();
const setHostnameCalls = async (host: TestHost) =>
  (await host.calls()).filter((c) => c.argv[0] === "hostnamectl" && c.argv[1] === "set-hostname");
const hostnameStep = (r: { results: { steps: { step: string; stdoutTail?: string }[] }[] }) =>
  r.results[0]!.steps.find((s) => s.step === "prepare.hostname");

describe.skipIf(!ok)("prepare.hostname on ssh test hosts", () => {
  let run: SshHosts;
  let runner: PipelineRunner;
  const machine = { hostname: "", etcHostname: "" };

  beforeAll(async () => {
    machine.hostname = hostname();
    machine.etcHostname = machineEtcHostname();
    run = await startSshHosts({ count: 3 });
    runner = pipelineRunner();
  });
  afterAll(async () => {
    await runner?.close();
    await run?.stop();
  });

  it("sets the hostname with hostnamectl, then a re-run is already-done", async () => {
    const host = run.hosts[0]!;
    const values = { prepareHosts: true, hostname: "gpu-node-7" };
    const first = await runner.run(preparePipeline(), [{ host, values }]);
    expect(failure(first.results[0])).toBeUndefined();
    expect(statuses(first.results[0])["prepare.hostname"]).toBe("ok");
    expect(hostnameStep(first)?.stdoutTail).toContain("hostname set with hostnamectl");
    expect(etcHostname(host)).toBe("gpu-node-7\n");
    expect(await kernelName(host)).toBe("gpu-node-7");
    expect((await setHostnameCalls(host)).map((c) => c.argv)).toEqual([
      ["hostnamectl", "set-hostname", "gpu-node-7"],
    ]);

    const second = await runner.run(preparePipeline(), [{ host, values }]);
    expect(second.results[0]!.ok).toBe(true);
    expect(statuses(second.results[0])["prepare.hostname"]).toBe("already-done");
    expect(await setHostnameCalls(host)).toHaveLength(1);

    // Half done (the kernel name drifted, /etc/hostname is right): the step notices and fixes it.
    await sshExec(host, "hostnamectl set-hostname --transient drifted");
    const third = await runner.run(preparePipeline(), [{ host, values }]);
    expect(statuses(third.results[0])["prepare.hostname"]).toBe("ok");
    expect(await kernelName(host)).toBe("gpu-node-7");
    expect(run.hosts.slice(1).map((h) => etcHostname(h))).toEqual(
      run.hosts.slice(1).map((h) => `${h.name}\n`),
    );
  });

  it("falls back to hostname and /etc/hostname when hostnamectl fails", async () => {
    const host = run.hosts[1]!;
    await host.failNext("hostnamectl set-hostname", 1, "Failed to connect to bus: No such file or directory");
    const { results } = await runner.run(preparePipeline(), [
      { host, values: { prepareHosts: true, hostname: "edge-3.example" } },
    ]);
    expect(failure(results[0])).toBeUndefined();
    expect(hostnameStep({ results })?.stdoutTail).toContain("hostname set and written to /etc/hostname");
    expect(etcHostname(host)).toBe("edge-3.example\n");
    expect(await kernelName(host)).toBe("edge-3.example");
  });

  it("refuses hostile or invalid hostnames before touching the host", async () => {
    const host = run.hosts[2]!;
    const refused = [
      "$(touch /tmp/ksp-pwned-hostname)",
      "`id`",
      "a;hostname pwned",
      "a\nb",
      "Upper-Case",
      "x".repeat(65),
      "-leading-dash",
    ];
    for (const bad of refused) {
      const { results } = await runner.run(preparePipeline(), [
        { host, values: { prepareHosts: true, hostname: bad } },
      ]);
      expect(failure(results[0])).toMatchObject({ errorClass: "precondition", retryable: false });
      expect(failure(results[0])?.errorMessage).toMatch(/^invalid hostname /);
    }
    expect(etcHostname(host)).toBe(`${host.name}\n`);
    expect(await kernelName(host)).toBe(host.name);
    expect(await setHostnameCalls(host)).toEqual([]);
    expect(existsSync("/tmp/ksp-pwned-hostname")).toBe(false);
  });

  it("never renamed the machine itself", () => {
    expect(hostname()).toBe(machine.hostname);
    expect(machineEtcHostname()).toBe(machine.etcHostname);
  });
});
