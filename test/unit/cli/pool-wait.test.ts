import { PassThrough } from "node:stream";
import { describe, expect, it } from "vitest";
import { runCli } from "../../../cli/run.ts";
import { testDeps } from "../../support/cli/deps.ts";
import { CLUSTER_ID, POOL_ID } from "../../support/cli/fixtures.ts";

function statusWith(ready: number) {
  return {
    clusterId: CLUSTER_ID,
    poolId: POOL_ID,
    name: "workers",
    minSize: 0,
    maxSize: 5,
    autoscalingEnabled: true,
    counts: { ready, joining: 2 - Math.min(ready, 2) },
    total: 2,
    target: 2,
    inUse: 2,
    events: [],
    scaling: { lastScaleUp: null, lastScaleDown: null, blockers: [] },
  };
}

/** A control plane whose pool gains a ready machine at each poll, and a clock each sleep moves on. */
function pollingDeps(progress: PassThrough | null) {
  let polls = 0;
  let now = 0;
  const asked: string[] = [];
  const deps = testDeps(
    { KSP_URL: "http://cp.test", KSP_TOKEN: "t", KSP_CONFIG: "/nonexistent" },
    async (input, init) => {
      const request = new Request(input, init);
      asked.push(new URL(request.url).pathname);
      return Response.json(statusWith(polls++));
    },
    {
      progressStream: progress,
      sleep: async (ms) => {
        now += ms;
      },
      now: () => now,
    },
  );
  return { deps, asked, elapsed: () => now };
}

describe("ksp pool wait", () => {
  it("polls the pool's status until it has the ready machines asked for, with a progress bar on a terminal", async () => {
    const bar = new PassThrough();
    let drawn = "";
    bar.on("data", (chunk: Buffer) => {
      drawn += chunk.toString();
    });
    const { deps, asked, elapsed } = pollingDeps(bar);
    const code = await runCli(["pool", "wait", "demo/workers", "--size", "2", "--interval", "5s"], deps);
    expect([code, deps.out()]).toEqual([0, { stdout: "pool demo/workers: 2 ready\n", stderr: "" }]);
    expect(asked).toEqual(Array(3).fill("/v1/clusters/demo/pools/workers/status"));
    expect(elapsed()).toBe(10_000);
    expect(drawn).toContain("demo/workers [");
    expect(drawn).toContain("2/2 ready");
  });

  it("gives up after --timeout with exit 7, and draws nothing when stderr is no terminal", async () => {
    const { deps, elapsed } = pollingDeps(null);
    const code = await runCli(
      ["pool", "wait", "demo/workers", "--size", "9", "--timeout", "6s", "--interval", "2s"],
      deps,
    );
    expect(code).toBe(7);
    expect(deps.out()).toEqual({
      stdout: "",
      stderr: "error: pool demo/workers has 3 ready, not 9, after 6s\n",
    });
    expect(elapsed()).toBe(6000);
  });
});
