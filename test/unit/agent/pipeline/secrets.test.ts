import { describe, expect, it } from "vitest";
import { runPipeline } from "../../../../agent/pipeline/engine.ts";
import { CommandError } from "../../../../agent/pipeline/errors.ts";
import { createMasker, secretValues } from "../../../../agent/pipeline/masking.ts";
import { OutputTail, tailOf } from "../../../../agent/pipeline/output-tail.ts";
import type { StepResult } from "../../../../agent/pipeline/types.ts";
import { FakeSshConnector } from "../../../support/agent/fake-ssh.ts";
import {
  capturedLogger,
  commandStep,
  hosts,
  pipelineOf,
} from "../../../support/harness/pipeline-fixtures.ts";

const TOKEN = "abcdef.0123456789abcdef";
const CA_HASH = "sha256:8b1a9953c4611296a827abf8c47804d7";
const AGENT_TOKEN = "ksp_agt_Zx81kQ0pLmN3vB7c";

describe("secrets in results and logs", () => {
  it("masks declared secrets (even split across chunks or shown by another step) and token-like strings", async () => {
    const { logger, lines } = capturedLogger();
    const streamed: StepResult[] = [];
    const fake = new FakeSshConnector().on("show-config", {
      stdout: `token: ${TOKEN}\ncaCertHashes: [${CA_HASH}]\n`,
      stderr: `debug ${AGENT_TOKEN}\n`,
    });
    const pipeline = pipelineOf("join", {
      // this step declares no secrets, but prints one that the next step declares
      inspect: [commandStep("inspect.config", "show-config")],
      join: [
        {
          name: "join.kubeadm",
          timeoutMs: 500,
          secrets: ["join"],
          async apply(ctx) {
            const join = ctx.values.join as { token: string };
            ctx.log("stdout", `using token ${join.token.slice(0, 10)}`);
            ctx.log("stdout", `${join.token.slice(10)} now\n`);
            throw new CommandError(`kubeadm join failed for token ${join.token}`, 1);
          },
        },
      ],
    });
    const results = await runPipeline({
      pipeline,
      hosts: hosts(1, { join: { token: TOKEN, caCertHash: CA_HASH }, nodeName: "node-1" }),
      connector: fake,
      concurrency: { global: 1, perHost: 1 },
      onResult: (r) => streamed.push(r),
      logger,
    });
    const [inspect, join] = results[0]!.steps;
    expect(inspect?.stdoutTail).toBe("token: ****\ncaCertHashes: [****]");
    expect(inspect?.stderrTail).toBe("debug ksp_agt_****");
    expect(join?.stdoutTail).toBe("using token **** now");
    expect(join?.errorMessage).toBe("kubeadm join failed for token ****");
    expect(join?.exitCode).toBe(1);
    const everything = JSON.stringify({ results, streamed, lines });
    for (const secret of [TOKEN, CA_HASH, AGENT_TOKEN, TOKEN.slice(10)])
      expect(everything).not.toContain(secret);
    expect(lines.some((l) => l.includes("kubeadm join failed for token ****"))).toBe(true);
  });

  it("collects secrets from nested values under every step's secret keys only", () => {
    const pipeline = pipelineOf("p", {
      t: [
        { name: "t.a", timeoutMs: 1, secrets: ["join"], apply: async () => undefined },
        { name: "t.b", timeoutMs: 1, secrets: ["extra", "missing"], apply: async () => undefined },
      ],
    });
    const found = secretValues(pipeline, {
      join: { token: "tok-1", nested: ["ca-1", { deeper: "key-1" }], empty: "" },
      extra: "x-secret\nsecond-line-of-it\nshort",
      nodeName: "not-secret",
    });
    // a multi-line secret is also masked line by line (lines of 8+ characters), should it be printed so
    expect(found.sort()).toEqual([
      "ca-1",
      "key-1",
      "second-line-of-it",
      "tok-1",
      "x-secret",
      "x-secret\nsecond-line-of-it\nshort",
    ]);
  });

  it("masks a secret that contains another secret whole", () => {
    const masker = createMasker(["abc", "xxabcxx"]);
    expect(masker.mask("a xxabcxx b abc")).toBe("a **** b ****");
  });
});

describe("output tails", () => {
  const noSecrets = createMasker([]);

  it("keeps the last lines, then the last bytes, without splitting a character", () => {
    expect(tailOf("1\n2\n3\n4\n", { lines: 2, bytes: 100 })).toBe("3\n4");
    expect(tailOf("abcdef", { lines: 5, bytes: 3 })).toBe("def");
    expect(tailOf("ééé", { lines: 5, bytes: 3 })).toBe("é");
    expect(tailOf("", { lines: 5, bytes: 10 })).toBe("");
  });

  it("bounds memory for a chatty step and masks a token split across chunks", () => {
    const tail = new OutputTail(createMasker([]), { lines: 3, bytes: 1_000 });
    const line = `${"x".repeat(99)}\n`;
    for (let i = 0; i < 9_000; i += 1) tail.append(line);
    tail.append(`bye ${AGENT_TOKEN.slice(0, 12)}`);
    tail.append(`${AGENT_TOKEN.slice(12)}\n`);
    expect(tail.text().split("\n")).toEqual(["x".repeat(99), "x".repeat(99), "bye ksp_agt_****"]);
    expect((tail as unknown as { buffer: string }).buffer.length).toBeLessThan(300 * 1024);
  });

  it("masks a declared secret cut in two by a compaction once it completes", () => {
    const secret = "0123456789-secret-ABCDEFGHIJ";
    const tail = new OutputTail(createMasker([secret]), { lines: 5, bytes: 1_000 });
    // the first half of the secret is what pushes the buffer past its bound
    tail.append("y".repeat(300 * 1024) + secret.slice(0, 5));
    expect((tail as unknown as { buffer: string }).buffer.length).toBeLessThan(32 * 1024);
    tail.append(`${secret.slice(5)}\n`);
    expect(tail.text()).not.toContain(secret.slice(5));
    expect(tail.text().endsWith("y****")).toBe(true);
    expect(noSecrets.mask("plain")).toBe("plain");
  });
});
