import { describe, expect, it } from "vitest";
import { runPipeline } from "../../../../agent/pipeline/engine.ts";
import type { StepResult } from "../../../../agent/pipeline/types.ts";
import { FakeSshConnector } from "../../../support/agent/fake-ssh.ts";
import {
  capturedLogger,
  commandStep,
  fiveSteps,
  hosts,
  pipelineOf,
} from "../../../support/harness/pipeline-fixtures.ts";

const statuses = (steps: StepResult[]) => steps.map((s) => s.status);

describe("runPipeline", () => {
  it("runs every step on every host in order, one handshake per host, all sessions released", async () => {
    const fake = new FakeSshConnector().on("cmd-", (command) => ({ stdout: `ran ${command}\n` }));
    const results = await runPipeline({
      pipeline: fiveSteps(),
      hosts: hosts(3),
      connector: fake,
      concurrency: { global: 2, perHost: 1 },
      logger: capturedLogger().logger,
    });
    expect(results.map((r) => [r.hostId, r.ok, r.failedStep])).toEqual([
      ["m-1", true, undefined],
      ["m-2", true, undefined],
      ["m-3", true, undefined],
    ]);
    for (const r of results) {
      expect(statuses(r.steps)).toEqual(["ok", "ok", "ok", "ok", "ok"]);
      expect(r.steps.map((s) => s.stdoutTail)).toEqual([1, 2, 3, 4, 5].map((i) => `ran cmd-${i}`));
      expect(r.steps.every((s) => s.exitCode === 0 && s.attempts === 1 && s.task === "a")).toBe(true);
    }
    expect([...fake.handshakes().values()]).toEqual([1, 1, 1]);
    expect(fake.sessionsOut).toBe(0);
    // per host, commands ran in step order
    const onFirst = fake.execs.filter((e) => e.address === "root@10.0.0.1:22").map((e) => e.command);
    expect(onFirst).toEqual(["cmd-1", "cmd-2", "cmd-3", "cmd-4", "cmd-5"]);
  });

  it("re-running is idempotent: a check that finds the work done skips apply", async () => {
    const done = new Set<string>();
    const fake = new FakeSshConnector()
      .on("test -e /etc/marker", (_c, t) => ({ exitCode: done.has(t.host) ? 0 : 1 }))
      .on("touch /etc/marker", (_c, t) => {
        done.add(t.host);
        return {};
      });
    const pipeline = pipelineOf("mark", {
      mark: [commandStep("mark.touch", "touch /etc/marker", { checkCommand: "test -e /etc/marker" })],
    });
    const run = () =>
      runPipeline({
        pipeline,
        hosts: hosts(2),
        connector: fake,
        concurrency: { global: 2, perHost: 1 },
        logger: capturedLogger().logger,
      });
    const first = await run();
    const second = await run();
    expect(first.map((r) => statuses(r.steps))).toEqual([["ok"], ["ok"]]);
    expect(second.map((r) => statuses(r.steps))).toEqual([["already-done"], ["already-done"]]);
    expect(second.every((r) => r.ok)).toBe(true);
    expect(fake.execs.filter((e) => e.command === "touch /etc/marker")).toHaveLength(2);
  });

  it("a failure at step k stops that host only; the others finish", async () => {
    const fake = new FakeSshConnector().on(
      "cmd-3",
      { exitCode: 7, stderr: "disk full\n" },
      { host: "10.0.0.2" },
    );
    const results = await runPipeline({
      pipeline: fiveSteps(),
      hosts: hosts(3),
      connector: fake,
      concurrency: { global: 3, perHost: 1 },
      logger: capturedLogger().logger,
    });
    const [one, two, three] = results;
    expect(one?.ok && three?.ok).toBe(true);
    expect(two?.ok).toBe(false);
    expect(two?.failedStep).toBe("a.3");
    expect(statuses(two!.steps)).toEqual(["ok", "ok", "failed", "not-run", "not-run"]);
    expect(two!.steps[2]).toMatchObject({
      errorClass: "command",
      exitCode: 7,
      retryable: false,
      stderrTail: "disk full",
      attempts: 1,
    });
    expect(fake.execs.filter((e) => e.address === "root@10.0.0.2:22").map((e) => e.command)).toEqual([
      "cmd-1",
      "cmd-2",
      "cmd-3",
    ]);
    expect(fake.sessionsOut).toBe(0);
  });

  it("resumes from the failed step, skipping everything before it", async () => {
    const fake = new FakeSshConnector();
    const [host] = hosts(1);
    const results = await runPipeline({
      pipeline: fiveSteps(),
      hosts: [host!],
      connector: fake,
      concurrency: { global: 1, perHost: 1 },
      resumeFrom: { "m-1": "a.3" },
      logger: capturedLogger().logger,
    });
    expect(statuses(results[0]!.steps)).toEqual(["skipped", "skipped", "ok", "ok", "ok"]);
    expect(fake.execs.map((e) => e.command)).toEqual(["cmd-3", "cmd-4", "cmd-5"]);
  });

  it("passes facts a step learns to later steps of the same host", async () => {
    const seen: unknown[] = [];
    const pipeline = pipelineOf("facts", {
      facts: [
        { name: "facts.arch", timeoutMs: 100, apply: async () => ({ facts: { arch: "arm64" } }) },
        {
          name: "facts.use",
          timeoutMs: 100,
          apply: async (ctx) => {
            seen.push(ctx.values.arch);
            return undefined;
          },
        },
      ],
    });
    const results = await runPipeline({
      pipeline,
      hosts: hosts(1, { arch: "unknown", nodeName: "n1" }),
      connector: new FakeSshConnector(),
      concurrency: { global: 1, perHost: 1 },
      logger: capturedLogger().logger,
    });
    expect(results[0]?.ok).toBe(true);
    expect(seen).toEqual(["arm64"]);
    // and the caller (machine import, discovery) gets them in the step's result
    expect(results[0]?.steps.map((s) => s.facts)).toEqual([{ arch: "arm64" }, undefined]);
  });

  it("reports a host-key refusal before any command, and a pinned key learned on first use", async () => {
    const fake = new FakeSshConnector().setFingerprint("10.0.0.1", "SHA256:someone-else");
    const [bad, fresh] = hosts(2);
    const pinned: [string, string][] = [];
    const results = await runPipeline({
      pipeline: fiveSteps(),
      hosts: [bad!, { ...fresh!, target: { ...fresh!.target, pinnedFingerprint: null } }],
      connector: fake,
      concurrency: { global: 2, perHost: 1 },
      onPinned: (hostId, fingerprint) => pinned.push([hostId, fingerprint]),
      logger: capturedLogger().logger,
    });
    expect(results[0]).toMatchObject({ ok: false, failedStep: "a.1" });
    expect(results[0]?.steps[0]).toMatchObject({ errorClass: "host-key", retryable: false });
    expect(results[0]?.steps[0]?.errorMessage).toContain("host key mismatch");
    expect(fake.execs.filter((e) => e.address === "root@10.0.0.1:22")).toEqual([]);
    expect(results[1]?.ok).toBe(true);
    expect(pinned).toEqual([["m-2", "SHA256:fake-10.0.0.2"]]);
  });
});
