import net from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { factsPipeline } from "../../../../agent/pipeline/pipelines/facts.ts";
import type { HostFacts } from "../../../../agent/pipeline/pipelines/facts-parse.ts";
import { preflightPipeline } from "../../../../agent/pipeline/pipelines/preflight.ts";
import type { Pipeline } from "../../../../agent/pipeline/types.ts";
import { failure, type PipelineRunner, pipelineRunner, statuses } from "../../../support/harness/pipeline.ts";
import { requireService } from "../../../support/services.ts";
import { type SshHosts, sshdUsable, startSshHosts } from "../../../support/ssh-hosts/index.ts";

const ok = await requireService("sshd", sshdUsable, "/usr/sbin/sshd as root");

/** facts flow into later steps' values; this last step hands them to the test. */
function withFactsSink(pipeline: Pipeline, sink: Map<string, HostFacts>): Pipeline {
  const step = {
    name: "test.read-facts",
    timeoutMs: 1000,
    async apply(ctx: { host: { id: string }; values: Readonly<Record<string, unknown>> }) {
      sink.set(ctx.host.id, ctx.values.hostFacts as HostFacts);
      return undefined;
    },
  };
  return { ...pipeline, tasks: [...pipeline.tasks, { name: "test", steps: [step] }] };
}

describe.skipIf(!ok)("facts and preflight pipelines on ssh test hosts", () => {
  let run: SshHosts;
  let runner: PipelineRunner;
  let api: net.Server;
  let apiEndpoint = "";

  beforeAll(async () => {
    api = net.createServer((s) => s.end());
    await new Promise<void>((r) => api.listen(0, "127.0.0.1", r));
    apiEndpoint = `127.0.0.1:${(api.address() as net.AddressInfo).port}`;
    run = await startSshHosts({ count: 3, gpus: [2, 0, 0], kubeVersion: "v1.31.2" });
    runner = pipelineRunner();
  });
  afterAll(async () => {
    await runner?.close();
    await run?.stop();
    api?.close();
  });

  it("facts: typed hostname, OS, kernel, arch, CPU, memory, GPUs, runtime and versions", async () => {
    const sink = new Map<string, HostFacts>();
    const hosts = run.hosts.slice(0, 2).map((host) => ({ host, values: {} }));
    const { results } = await runner.run(withFactsSink(factsPipeline(), sink), hosts);
    expect(results.map((r) => r.ok)).toEqual([true, true]);
    const gpuHost = sink.get(run.hosts[0]!.name)!;
    expect(gpuHost).toMatchObject({
      hostname: run.hosts[0]!.name,
      os: "Linux",
      arch: "amd64",
      nvidiaSmi: "ok",
      gpus: [
        { index: 0, name: "NVIDIA A100-SXM4-80GB", memoryMiB: 81920 },
        { index: 1, name: "NVIDIA A100-SXM4-80GB", memoryMiB: 81920 },
      ],
      containerRuntime: { name: "containerd", active: true },
      kubeletVersion: "v1.31.2",
      kubeadmVersion: "v1.31.2",
    });
    expect(gpuHost.cpuCores).toBeGreaterThan(0);
    expect(gpuHost.memoryBytes).toBeGreaterThan(2 ** 28);
    expect(gpuHost.osImage).toBeTruthy();
    expect(sink.get(run.hosts[1]!.name)).toMatchObject({ nvidiaSmi: "failed", gpus: [] });
  });

  it("facts: tells which of the container runtimes is the active one (one systemctl call for all three)", async () => {
    const host = run.hosts[1]!;
    await host.setUnit("containerd", { active: false, enabled: true });
    await host.setUnit("docker", { active: true, enabled: true });
    try {
      const sink = new Map<string, HostFacts>();
      await runner.run(withFactsSink(factsPipeline(), sink), [{ host, values: {} }]);
      expect(sink.get(host.name)?.containerRuntime).toMatchObject({ name: "docker", active: true });
    } finally {
      await host.setUnit("containerd", { active: true, enabled: true });
      await host.setUnit("docker", { active: false, enabled: false });
    }
  });

  it("preflight passes on a healthy host and reports what it saw", async () => {
    const host = run.hosts[0]!;
    await host.clearCalls();
    const values = { apiEndpoint, requirements: { cpuCores: 1, memoryBytes: 2 ** 28, gpus: 2 } };
    const { results } = await runner.run(preflightPipeline(), [{ host, values }]);
    expect(failure(results[0])).toBeUndefined();
    // each probe runs once however many steps judge it, and a synchronised clock needs no service check
    const commands = (await host.calls()).map((c) => c.argv.slice(0, 2).join(" "));
    expect(commands.filter((c) => c.startsWith("nvidia-smi"))).toHaveLength(1);
    expect(commands.filter((c) => c.startsWith("timedatectl"))).toHaveLength(1);
    // one for the three container runtimes, one for the kubelet
    expect(commands.filter((c) => c === "systemctl is-active")).toHaveLength(2);
    expect(Object.values(statuses(results[0])).every((s) => s === "ok")).toBe(true);
    const byName = new Map(results[0]!.steps.map((s) => [s.step, s.stdoutTail]));
    expect(byName.get("preflight.resources")).toMatch(/2 GPUs/);
    expect(byName.get("preflight.api-reachable")).toContain(`API server ${apiEndpoint} reachable`);
    expect(byName.get("preflight.kubelet-state")).toContain("not joined to any cluster");
  });

  it("preflight explains each failure with a precondition error, and stops only that host", async () => {
    const healthy = run.hosts[1]!;
    const bare = run.hosts[2]!;
    const closed = net.createServer();
    await new Promise<void>((r) => closed.listen(0, "127.0.0.1", r));
    const closedEndpoint = `127.0.0.1:${(closed.address() as net.AddressInfo).port}`;
    await new Promise<void>((r) => closed.close(() => r()));

    const cases: [Record<string, unknown>, string, RegExp][] = [
      [
        { requirements: { memoryBytes: 2 ** 50 } },
        "preflight.resources",
        /host too small: .* memory, the pool needs 1048576\.0 GiB/,
      ],
      [
        { requirements: { gpus: 1 } },
        "preflight.resources",
        /0 GPUs \(nvidia-smi failed\), the pool needs 1/,
      ],
      [{ architectures: ["arm64"] }, "preflight.os-arch", /unsupported architecture amd64/],
      [{ apiEndpoint: closedEndpoint }, "preflight.api-reachable", /not reachable over TCP/],
    ];
    for (const [patch, step, message] of cases) {
      const { results } = await runner.run(preflightPipeline(), [
        { host: healthy, values: { apiEndpoint, ...patch } },
      ]);
      expect(failure(results[0])).toMatchObject({ step, errorClass: "precondition", retryable: false });
      expect(failure(results[0])?.errorMessage).toMatch(message);
    }

    const { results } = await runner.run(preflightPipeline(), [
      { host: bare, values: { apiEndpoint, runtimeCli: ["crictl", "nerdctl"] } },
      { host: healthy, values: { apiEndpoint } },
    ]);
    expect(failure(results[0])).toMatchObject({
      step: "preflight.required-commands",
      errorClass: "precondition",
      errorMessage: expect.stringContaining("required commands not found on PATH: nerdctl"),
    });
    expect(statuses(results[0])["preflight.swap"]).toBe("not-run");
    expect(results[1]!.ok).toBe(true);
  });

  it("preflight time-sync: fails when timedatectl says not synchronised and no time service runs", async () => {
    const host = run.hosts[2]!;
    const values = { apiEndpoint };
    await host.setClock({ synchronized: false });
    const unsynced = await runner.run(preflightPipeline(), [{ host, values }]);
    expect(failure(unsynced.results[0])).toMatchObject({
      step: "preflight.time-sync",
      errorClass: "precondition",
      retryable: false,
      errorMessage: expect.stringContaining("clock not synchronised: no active NTP service"),
    });
    expect(statuses(unsynced.results[0])["preflight.api-reachable"]).toBe("not-run");
    expect((await host.calls()).map((c) => c.argv.join(" "))).toContain(
      "timedatectl show -p NTPSynchronized --value",
    );

    // Not synchronised yet, but a time service is running: it will get there.
    await host.setUnit("chrony", { active: true, enabled: true });
    const serviced = await runner.run(preflightPipeline(), [{ host, values }]);
    expect(serviced.results[0]!.ok).toBe(true);
    const note = serviced.results[0]!.steps.find((s) => s.step === "preflight.time-sync")?.stdoutTail;
    expect(note).toContain("time service active: chrony");

    await host.setUnit("chrony", { active: false, enabled: true });
    await host.setClock({ synchronized: true });
    const synced = await runner.run(preflightPipeline(), [{ host, values }]);
    expect(synced.results[0]!.steps.find((s) => s.step === "preflight.time-sync")?.stdoutTail).toContain(
      "clock synchronised (NTP)",
    );
  });
});
