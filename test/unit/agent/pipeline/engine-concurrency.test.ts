import { describe, expect, it } from "vitest";
import { runPipeline } from "../../../../agent/pipeline/engine.ts";
import { streamPipeline } from "../../../../agent/pipeline/stream.ts";
import type { StepResult } from "../../../../agent/pipeline/types.ts";
import { FakeSshConnector } from "../../../support/agent/fake-ssh.ts";
import { capturedLogger, fiveSteps, hosts, target } from "../../../support/harness/pipeline-fixtures.ts";

describe("runPipeline concurrency", () => {
  it("keeps at most `global` hosts in flight and uses every slot", async () => {
    const fake = new FakeSshConnector({ execLatencyMs: 5 });
    const results = await runPipeline({
      pipeline: fiveSteps(),
      hosts: hosts(10),
      connector: fake,
      concurrency: { global: 3, perHost: 1 },
      logger: capturedLogger().logger,
    });
    expect(results.every((r) => r.ok)).toBe(true);
    expect(fake.maxSessionsOut).toBe(3);
    expect(fake.maxExecsInFlight).toBe(3);
    expect([...fake.handshakes().values()]).toEqual(Array(10).fill(1));
  });

  it("keeps at most `perHost` runs on one machine address, while other machines use the free slots", async () => {
    const fake = new FakeSshConnector({ execLatencyMs: 5 });
    const sameBox = ["a", "b", "c"].map((id) => ({
      host: { id, name: id },
      target: target("10.9.9.9"),
      values: {},
    }));
    const results = await runPipeline({
      pipeline: fiveSteps(),
      hosts: [...sameBox, ...hosts(2)],
      connector: fake,
      concurrency: { global: 4, perHost: 1 },
      logger: capturedLogger().logger,
    });
    expect(results.every((r) => r.ok)).toBe(true);
    expect(fake.maxExecsPerMachine.get("10.9.9.9:22")).toBe(1);
    expect(fake.maxExecsInFlight).toBe(3);
  });

  it("streams each result as it happens, in step order per host", async () => {
    const fake = new FakeSshConnector({ execLatencyMs: 2 }).on(
      "cmd-2",
      { exitCode: 3 },
      { host: "10.0.0.2" },
    );
    const streamed: StepResult[] = [];
    // commands this host had run when each result arrived: the result came before the next step started
    const execsWhenStreamed: number[] = [];
    const results = await runPipeline({
      pipeline: fiveSteps(),
      hosts: hosts(3),
      connector: fake,
      concurrency: { global: 3, perHost: 1 },
      onResult: (r) => {
        streamed.push(r);
        if (r.hostId === "m-1")
          execsWhenStreamed.push(fake.execs.filter((e) => e.address.includes("10.0.0.1:")).length);
      },
      logger: capturedLogger().logger,
    });
    expect(execsWhenStreamed).toEqual([1, 2, 3, 4, 5]);
    for (const hostResult of results) {
      const mine = streamed.filter((r) => r.hostId === hostResult.hostId);
      expect(mine.map((r) => r.step)).toEqual(["a.1", "a.2", "a.3", "a.4", "a.5"]);
      expect(mine).toEqual(hostResult.steps);
    }
    // hosts interleave: the stream is not host-by-host
    expect(streamed.slice(0, 3).map((r) => r.hostId)).toEqual(["m-1", "m-2", "m-3"]);
  });

  it("offers the results as an async iterable, ending with the run", async () => {
    const { results, done } = streamPipeline({
      pipeline: fiveSteps(),
      hosts: hosts(2),
      connector: new FakeSshConnector({ execLatencyMs: 1 }),
      concurrency: { global: 2, perHost: 1 },
      logger: capturedLogger().logger,
    });
    const seen: string[] = [];
    for await (const r of results) seen.push(`${r.hostId}/${r.step}`);
    const final = await done;
    expect(seen).toHaveLength(10);
    expect(seen.filter((s) => s.startsWith("m-1/"))).toEqual([1, 2, 3, 4, 5].map((i) => `m-1/a.${i}`));
    expect(final.every((r) => r.ok)).toBe(true);
  });

  it("a listener that throws does not break the run", async () => {
    const { logger, lines } = capturedLogger();
    const results = await runPipeline({
      pipeline: fiveSteps(),
      hosts: hosts(1),
      connector: new FakeSshConnector(),
      concurrency: { global: 1, perHost: 1 },
      onResult: () => {
        throw new Error("ui went away");
      },
      logger,
    });
    expect(results[0]?.ok).toBe(true);
    expect(lines.filter((l) => l.includes("result listener failed"))).toHaveLength(5);
  });

  it("cancelling aborts the in-flight step and starts nothing new; every session goes back", async () => {
    const fake = new FakeSshConnector().on("cmd-2", { latencyMs: 5_000 });
    const controller = new AbortController();
    const pending = runPipeline({
      pipeline: fiveSteps(),
      hosts: hosts(2),
      connector: fake,
      concurrency: { global: 1, perHost: 1 },
      signal: controller.signal,
      logger: capturedLogger().logger,
    });
    await new Promise((resolve) => setTimeout(resolve, 30));
    controller.abort();
    const [first, second] = await pending;
    expect(first).toMatchObject({ ok: false, failedStep: "a.2" });
    expect(first?.steps[1]).toMatchObject({
      status: "failed",
      errorMessage: "a.2 cancelled",
      retryable: true,
    });
    expect(second).toMatchObject({ ok: false, failedStep: "a.1" });
    expect(fake.execs.filter((e) => e.address === "root@10.0.0.2:22")).toEqual([]);
    await new Promise((resolve) => setTimeout(resolve, 10));
    expect(fake.sessionsOut).toBe(0);
  });
});
