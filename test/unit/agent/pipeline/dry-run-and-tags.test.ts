import { describe, expect, it } from "vitest";
import { AgentError } from "../../../../agent/errors.ts";
import { planPipeline, runPipeline } from "../../../../agent/pipeline/engine.ts";
import type { StepResult } from "../../../../agent/pipeline/types.ts";
import { FakeSshConnector } from "../../../support/agent/fake-ssh.ts";
import {
  capturedLogger,
  commandStep,
  hosts,
  pipelineOf,
  refusingConnector,
} from "../../../support/harness/pipeline-fixtures.ts";

const pipeline = pipelineOf("join", {
  preflight: [
    commandStep("preflight.memory", "free -b", { tags: ["checks"] }),
    commandStep("preflight.swap", "swapon --show", { tags: ["checks", "slow"] }),
  ],
  join: [commandStep("join.upload", "upload"), commandStep("join.kubeadm", "kubeadm join")],
});

describe("dry-run", () => {
  it("plans every step per host in order, with tags, skip-tags and resume applied", () => {
    const plan = planPipeline({
      pipeline,
      hosts: hosts(2),
      skipTags: ["slow"],
      resumeFrom: { "m-2": "join.upload" },
    });
    expect(plan.map((h) => [h.hostId, h.hostName])).toEqual([
      ["m-1", "node-1"],
      ["m-2", "node-2"],
    ]);
    expect(plan[0]?.steps.map((s) => [s.task, s.step, s.run, s.skipReason])).toEqual([
      ["preflight", "preflight.memory", true, undefined],
      ["preflight", "preflight.swap", false, "skip-tags"],
      ["join", "join.upload", true, undefined],
      ["join", "join.kubeadm", true, undefined],
    ]);
    expect(plan[1]?.steps.map((s) => s.skipReason ?? "run")).toEqual(["resume", "resume", "run", "run"]);
    expect(plan[0]?.steps[1]).toMatchObject({ tags: ["checks", "slow"], timeoutMs: 1_000 });
  });

  it("runPipeline({ dryRun }) streams the plan as results and never connects", async () => {
    const streamed: StepResult[] = [];
    const results = await runPipeline({
      pipeline,
      hosts: hosts(2),
      connector: refusingConnector,
      concurrency: { global: 1, perHost: 1 },
      tags: ["join"],
      dryRun: true,
      onResult: (r) => streamed.push(r),
      logger: capturedLogger().logger,
    });
    expect(results.map((r) => r.ok)).toEqual([true, true]);
    expect(results[0]?.steps.map((s) => s.status)).toEqual(["skipped", "skipped", "not-run", "not-run"]);
    expect(streamed).toHaveLength(8);
    expect(streamed.every((r) => r.attempts === 0)).toBe(true);
  });

  it("refuses bad options before connecting", async () => {
    const base = {
      pipeline,
      hosts: hosts(1),
      connector: refusingConnector,
      concurrency: { global: 1, perHost: 1 },
      logger: capturedLogger().logger,
    };
    await expect(runPipeline({ ...base, resumeFrom: { "m-1": "join.nope" } })).rejects.toThrow(
      /no such step/,
    );
    await expect(runPipeline({ ...base, resumeFrom: { "m-9": "join.upload" } })).rejects.toThrow(
      /not in this run/,
    );
    await expect(runPipeline({ ...base, concurrency: { global: 0, perHost: 1 } })).rejects.toBeInstanceOf(
      AgentError,
    );
    await expect(runPipeline({ ...base, hosts: [...hosts(1), ...hosts(1)] })).rejects.toThrow(/listed twice/);
    const twice = pipelineOf("p", { a: [commandStep("x", "x")], b: [commandStep("x", "y")] });
    expect(() => planPipeline({ pipeline: twice, hosts: hosts(1) })).toThrow(/used twice/);
  });
});

describe("tags and skip-tags", () => {
  const run = async (selection: { tags?: string[]; skipTags?: string[] }) => {
    const fake = new FakeSshConnector();
    const [result] = await runPipeline({
      pipeline,
      hosts: hosts(1),
      connector: fake,
      concurrency: { global: 1, perHost: 1 },
      logger: capturedLogger().logger,
      ...selection,
    });
    return { statuses: result!.steps.map((s) => s.status), commands: fake.execs.map((e) => e.command) };
  };

  it("runs only tagged steps; a task or step name works as a tag", async () => {
    expect(await run({ tags: ["checks"] })).toEqual({
      statuses: ["ok", "ok", "skipped", "skipped"],
      commands: ["free -b", "swapon --show"],
    });
    expect((await run({ tags: ["join"] })).commands).toEqual(["upload", "kubeadm join"]);
    expect((await run({ tags: ["preflight.swap", "join.kubeadm"] })).commands).toEqual([
      "swapon --show",
      "kubeadm join",
    ]);
  });

  it("skip-tags win over tags", async () => {
    expect(await run({ tags: ["checks"], skipTags: ["slow"] })).toEqual({
      statuses: ["ok", "skipped", "skipped", "skipped"],
      commands: ["free -b"],
    });
    expect((await run({ skipTags: ["preflight"] })).commands).toEqual(["upload", "kubeadm join"]);
  });

  it("a host whose steps are all filtered out never connects", async () => {
    const fake = new FakeSshConnector();
    const [result] = await runPipeline({
      pipeline,
      hosts: hosts(1),
      connector: fake,
      concurrency: { global: 1, perHost: 1 },
      tags: ["no-such-tag"],
      logger: capturedLogger().logger,
    });
    expect(result?.ok).toBe(true);
    expect(fake.connectAttempts).toBe(0);
  });
});
