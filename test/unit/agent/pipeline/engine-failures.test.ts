import { describe, expect, it } from "vitest";
import { runPipeline } from "../../../../agent/pipeline/engine.ts";
import { PreconditionError } from "../../../../agent/pipeline/errors.ts";
import type { Pipeline } from "../../../../agent/pipeline/types.ts";
import { FakeSshConnector } from "../../../support/agent/fake-ssh.ts";
import {
  capturedLogger,
  commandStep,
  hosts,
  pipelineOf,
  runCommand,
} from "../../../support/harness/pipeline-fixtures.ts";

const runOne = (pipeline: Pipeline, fake: FakeSshConnector) =>
  runPipeline({
    pipeline,
    hosts: hosts(1),
    connector: fake,
    concurrency: { global: 1, perHost: 1 },
    logger: capturedLogger().logger,
  });

describe("runPipeline failures", () => {
  it("a step past its timeout is aborted and fails with errorClass timeout", async () => {
    const fake = new FakeSshConnector().on("sleep", { latencyMs: 5_000 });
    let signalAborted = false;
    const pipeline = pipelineOf("slow", {
      slow: [
        {
          name: "slow.sleep",
          timeoutMs: 50,
          async apply(ctx) {
            ctx.signal.addEventListener("abort", () => (signalAborted = true));
            // the command's own limit is longer: the step timeout must win
            await ctx.session.exec("sleep 5", { timeoutMs: 10_000, signal: ctx.signal });
            return undefined;
          },
        },
        commandStep("slow.after", "echo after"),
      ],
    });
    const started = Date.now();
    const [result] = await runOne(pipeline, fake);
    expect(Date.now() - started).toBeLessThan(2_000);
    expect(result?.failedStep).toBe("slow.sleep");
    expect(result?.steps[0]).toMatchObject({ status: "failed", errorClass: "timeout", retryable: true });
    expect(result?.steps[0]?.errorMessage).toBe("slow.sleep timed out after 50 ms");
    expect(result?.steps[1]?.status).toBe("not-run");
    expect(signalAborted).toBe(true);
    await new Promise((resolve) => setTimeout(resolve, 10));
    expect(fake.execs[0]?.outcome).toBe("aborted");
  });

  it("retries a timed-out step when its policy allows, and succeeds", async () => {
    const fake = new FakeSshConnector().on("flaky", { latencyMs: 500 }, { times: 1 });
    const pipeline = pipelineOf("p", {
      t: [commandStep("t.flaky", "flaky", { timeoutMs: 40, retry: { attempts: 3, backoffMs: 1 } })],
    });
    const [result] = await runOne(pipeline, fake);
    expect(result?.steps[0]).toMatchObject({ status: "ok", attempts: 2 });
    expect(result?.steps[0]?.errorClass).toBeUndefined();
  });

  it("retries a connection failure on a fresh session", async () => {
    const fake = new FakeSshConnector().on("cmd", { fail: "connection" }, { times: 1 });
    const pipeline = pipelineOf("p", {
      t: [
        commandStep("t.one", "cmd-1", { retry: { attempts: 2, backoffMs: 1 } }),
        commandStep("t.two", "cmd-2"),
      ],
    });
    const [result] = await runOne(pipeline, fake);
    expect(result?.ok).toBe(true);
    expect(result?.steps[0]?.attempts).toBe(2);
    // the dead session was dropped, one fresh handshake replaced it and served the next step too
    expect(fake.handshakes().get("root@10.0.0.1:22")).toBe(2);
    expect(fake.execs.map((e) => [e.command, e.outcome])).toEqual([
      ["cmd-1", "failed"],
      ["cmd-1", "ok"],
      ["cmd-2", "ok"],
    ]);
    expect(fake.sessionsOut).toBe(0);
  });

  it("retries a failed connect, then gives up after the policy's attempts", async () => {
    const fake = new FakeSshConnector().failConnect("10.0.0.1", "connection", 5);
    const pipeline = pipelineOf("p", {
      t: [commandStep("t.one", "cmd-1", { retry: { attempts: 3, backoffMs: 1 } })],
    });
    const [result] = await runOne(pipeline, fake);
    expect(result?.steps[0]).toMatchObject({
      status: "failed",
      errorClass: "connection",
      retryable: true,
      attempts: 3,
    });
    expect(fake.connectAttempts).toBe(3);
  });

  it("never retries a non-retryable failure (command, auth, precondition)", async () => {
    const fake = new FakeSshConnector().on("cmd-1", { exitCode: 1 });
    const retry = { attempts: 5, backoffMs: 1 };
    const [command] = await runOne(pipelineOf("p", { t: [commandStep("t.one", "cmd-1", { retry })] }), fake);
    expect(command?.steps[0]).toMatchObject({
      errorClass: "command",
      exitCode: 1,
      attempts: 1,
      retryable: false,
    });

    const authFake = new FakeSshConnector().failConnect("10.0.0.1", "auth", 5);
    const [auth] = await runOne(pipelineOf("p", { t: [commandStep("t.one", "cmd-1", { retry })] }), authFake);
    expect(auth?.steps[0]).toMatchObject({ errorClass: "auth", attempts: 1, retryable: false });
    expect(authFake.connectAttempts).toBe(1);

    const joinedElsewhere = pipelineOf("p", {
      t: [
        {
          name: "t.cluster",
          timeoutMs: 100,
          retry,
          check: async () => {
            throw new PreconditionError("kubelet is joined to cluster other-cluster");
          },
          apply: async () => undefined,
        },
      ],
    });
    const [precondition] = await runOne(joinedElsewhere, new FakeSshConnector());
    expect(precondition?.steps[0]).toMatchObject({
      status: "failed",
      errorClass: "precondition",
      retryable: false,
      attempts: 1,
      errorMessage: "kubelet is joined to cluster other-cluster",
    });
  });

  it("reports a step that throws an unexpected error as a non-retryable command failure", async () => {
    const pipeline = pipelineOf("p", {
      t: [
        {
          name: "t.bug",
          timeoutMs: 100,
          apply: async () => {
            throw new TypeError("x is not a function");
          },
        },
      ],
    });
    const [result] = await runOne(pipeline, new FakeSshConnector());
    expect(result?.steps[0]).toMatchObject({
      errorClass: "command",
      retryable: false,
      errorMessage: "TypeError: x is not a function",
    });
  });

  it("a command killed by the SSH layer's own timeout is a timeout failure", async () => {
    const fake = new FakeSshConnector().on("hang", { latencyMs: 1_000 });
    const pipeline = pipelineOf("p", {
      t: [
        {
          name: "t.hang",
          timeoutMs: 2_000,
          apply: async (ctx) => {
            await runCommand(ctx, "hang", { timeoutMs: 20 });
            return undefined;
          },
        },
      ],
    });
    const [result] = await runOne(pipeline, fake);
    expect(result?.steps[0]).toMatchObject({
      errorClass: "timeout",
      errorMessage: "command killed after 20 ms",
    });
    expect(fake.execs[0]?.outcome).toBe("timed-out");
  });
});
