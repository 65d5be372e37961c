/** One snapshot push from the Nodes, the pods' requests and the usage, per pool and for the cluster. */
import { describe, expect, it } from "vitest";
import type { NodeInfo, ResourceAmounts } from "../../../../agent/kubernetes/types.ts";
import { buildSnapshot } from "../../../../agent/resources/build-snapshot.ts";
import { poolOfNode } from "../../../../agent/resources/pool-of-node.ts";
import { buildView } from "../../../../agent/state/view.ts";
import { MAX_SNAPSHOT_POOLS } from "../../../../proto/agent-api.ts";
import { fixtureMachine, fixturePool, fixtureState } from "../../../support/agent/fixtures.ts";

const GiB = 2 ** 30;
const amounts = (cpuMillis: number, memoryBytes: number): ResourceAmounts => ({ cpuMillis, memoryBytes });
const node = (name: string, providerId: string | null, cpuCores = 4): NodeInfo => ({
  name,
  uid: `uid-${name}`,
  providerId,
  ready: true,
  labels: {},
  taints: [],
  unschedulable: false,
  cordonedFor: null,
  deleting: false,
  capacity: amounts(cpuCores * 1000, 16 * GiB),
  allocatable: amounts(cpuCores * 1000 - 100, 15 * GiB),
});

describe("poolOfNode", () => {
  it("maps a Node to its machine's pool by provider ID, or by node name when it has none", () => {
    const web = fixturePool({ name: "web" });
    const ready = fixtureMachine({ status: "ready", poolId: web.id });
    const named = fixtureMachine({ status: "ready", poolId: web.id, nodeName: "legacy-node" });
    const stray = fixtureMachine({ status: "ready", poolId: "not-a-pool-of-the-view" });
    const poolOf = poolOfNode(buildView(fixtureState({ pools: [web], machines: [ready, named, stray] })));
    expect(poolOf(node("a", ready.providerId))).toBe(web.id);
    expect(poolOf(node("legacy-node", null))).toBe(web.id);
    expect(poolOf(node("cp-1", null))).toBeNull();
    expect(poolOf(node("b", "aws:///eu-west-1a/i-0abc"))).toBeNull();
    expect(poolOf(node("c", stray.providerId))).toBeNull();
  });
});

describe("buildSnapshot", () => {
  const web = fixturePool({ name: "web" });
  const gpu = fixturePool({ name: "gpu" });
  const m1 = fixtureMachine({ status: "ready", poolId: web.id });
  const m2 = fixtureMachine({ status: "ready", poolId: web.id });
  const view = buildView(fixtureState({ pools: [web, gpu], machines: [m1, m2] }));
  const nodes = [node("w1", m1.providerId), node("w2", m2.providerId, 8), node("cp", null, 2)];
  const capturedAt = new Date("2026-03-01T12:00:00.000Z");

  it("sums per pool and for the whole cluster, with zeros for a pool without Nodes", () => {
    const request = buildSnapshot({
      capturedAt,
      nodes,
      poolIds: [web.id, gpu.id],
      poolOf: poolOfNode(view),
      requests: new Map([
        ["w1", amounts(500, GiB)],
        ["cp", amounts(800, 2 * GiB)],
        ["gone", amounts(9999, 9999)],
      ]),
      usage: new Map([
        ["w2", amounts(300, 3 * GiB)],
        ["cp", amounts(100, GiB)],
      ]),
    });
    expect(request.capturedAt).toBe("2026-03-01T12:00:00.000Z");
    expect(request.pools).toEqual([
      {
        poolId: web.id,
        nodeCount: 2,
        capacity: amounts(12_000, 32 * GiB),
        allocatable: amounts(11_800, 30 * GiB),
        requested: amounts(500, GiB),
        usage: amounts(300, 3 * GiB),
      },
      {
        poolId: gpu.id,
        nodeCount: 0,
        capacity: amounts(0, 0),
        allocatable: amounts(0, 0),
        requested: amounts(0, 0),
        usage: amounts(0, 0),
      },
    ]);
    // requests of pods on a Node the informer does not know are not counted
    expect(request.cluster).toEqual({
      nodeCount: 3,
      capacity: amounts(14_000, 48 * GiB),
      allocatable: amounts(13_700, 45 * GiB),
      requested: amounts(1300, 3 * GiB),
      usage: amounts(400, 4 * GiB),
    });
  });

  it("reports zero usage without metrics, and at most the pools the protocol takes", () => {
    const poolIds = Array.from({ length: MAX_SNAPSHOT_POOLS + 3 }, (_, i) => `p${i}`);
    const request = buildSnapshot({
      capturedAt,
      nodes,
      poolIds,
      poolOf: () => null,
      requests: new Map(),
      usage: null,
    });
    expect(request.cluster?.usage).toEqual(amounts(0, 0));
    expect(request.pools).toHaveLength(MAX_SNAPSHOT_POOLS);
  });
});
