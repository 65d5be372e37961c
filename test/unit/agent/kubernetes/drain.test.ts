/** The drain loop's failure paths (drain.ts) with a scripted pods API. */
import { ApiException, type V1Pod } from "@kubernetes/client-node";
import { describe, expect, it } from "vitest";
import { drainNode, type PodsApi } from "../../../../agent/kubernetes/drain.ts";
import { DrainError, KubeError } from "../../../../agent/kubernetes/kube-error.ts";
import type { DrainOptions } from "../../../../agent/kubernetes/types.ts";
import { createLogger } from "../../../../shared/logger.ts";
import { testPod } from "../../../support/agent/kube-pods.ts";

const settings = {
  logger: createLogger({ sink: () => {} }),
  retry: { baseMs: 5, maxMs: 20 },
  pollIntervalMs: 5,
  concurrency: 8,
};
const options: DrainOptions = {
  timeoutMs: 2000,
  gracePeriodSeconds: -1,
  ignoreDaemonSets: true,
  deleteEmptyDirData: false,
  force: false,
};
const apiError = (code: number) =>
  new ApiException(code, "x", JSON.stringify({ kind: "Status", code, message: `status ${code}` }), {});

function scripted(pods: V1Pod[], evict: (name: string) => Promise<void>) {
  const calls: string[] = [];
  const api: PodsApi = {
    listPodForAllNamespaces: async (p) => {
      calls.push(`list ${p?.fieldSelector}`);
      return { items: pods };
    },
    createNamespacedPodEviction: async ({ name }) => {
      calls.push(`evict ${name}`);
      await evict(name);
      pods = pods.filter((p) => p.metadata?.name !== name);
      return {};
    },
  };
  return { api, calls };
}

describe("drainNode", () => {
  it("rejects with the KubeError of an eviction the API refuses for a reason other than a budget", async () => {
    const { api } = scripted([testPod({ name: "a", node: "n1" })], async () => {
      throw apiError(403);
    });
    const err = await drainNode(api, "n1", options, settings).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(KubeError);
    expect(err).not.toBeInstanceOf(DrainError);
    expect(err).toMatchObject({ status: 403, message: "cannot evict pod default/a: HTTP 403 (status 403)" });
  });

  it("treats 404 and a uid-precondition 409 as a pod already gone", async () => {
    const pods = [testPod({ name: "gone", node: "n1" }), testPod({ name: "replaced", node: "n1" })];
    const { api } = scripted(pods, async (name) => {
      throw apiError(name === "gone" ? 404 : 409);
    });
    const result = await drainNode(api, "n1", options, settings);
    expect(result).toEqual({ evicted: [], skipped: [], pdbRetries: 0 });
  });

  it("backs off between refusals, doubling up to the cap", async () => {
    const times: number[] = [];
    let refusals = 5;
    const { api } = scripted([testPod({ name: "a", node: "n1" })], async () => {
      times.push(Date.now());
      if (refusals-- > 0) throw apiError(429);
    });
    const result = await drainNode(
      api,
      "n1",
      { ...options },
      { ...settings, retry: { baseMs: 20, maxMs: 60 } },
    );
    expect(result.pdbRetries).toBe(5);
    const gaps = times.slice(1).map((t, i) => t - times[i]!);
    // 20, 40, 60, 60, 60 (timers may fire a little late, never early)
    expect(gaps.map((g, i) => g >= [20, 40, 60, 60, 60][i]! - 2)).toEqual([true, true, true, true, true]);
    expect(gaps[4]!).toBeLessThan(120);
  });

  it("makes no API call when the signal is already aborted", async () => {
    const { api, calls } = scripted([testPod({ name: "a", node: "n1" })], async () => {});
    const err = await drainNode(api, "n1", { ...options, signal: AbortSignal.abort() }, settings).catch(
      (e: unknown) => e,
    );
    expect(err).toMatchObject({ failure: "aborted" });
    await new Promise((r) => setTimeout(r, 20));
    expect(calls).toEqual([]);
  });

  it("lists the Node's pods by field selector and succeeds at once on an empty Node", async () => {
    const { api, calls } = scripted([], async () => {});
    expect(await drainNode(api, "n1", options, settings)).toEqual({
      evicted: [],
      skipped: [],
      pdbRetries: 0,
    });
    expect(calls).toEqual(["list spec.nodeName=n1"]);
  });
});
