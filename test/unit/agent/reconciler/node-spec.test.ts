/** A Node's name, labels, taints and host requirements, from the machine and its pool. */
import { describe, expect, it } from "vitest";
import {
  kubeletLabels,
  nodeLabelsOf,
  nodeNameOf,
  nodeNameOrHostname,
  nodeTaintsOf,
  requirementsOf,
} from "../../../../agent/reconciler/node-spec.ts";
import { fixtureMachine, fixturePool } from "../../../support/agent/fixtures.ts";

const GiB = 2 ** 30;

describe("node spec", () => {
  const pool = fixturePool({
    name: "gpu",
    template: {
      labels: { "topology.kubernetes.io/zone": "z-pool", "node-role.kubernetes.io/gpu": "", team: "ml" },
      taints: [{ key: "gpu", effect: "NoSchedule" }],
      capacity: { cpuMillis: 8500, memoryBytes: 32 * GiB, ephemeralStorageBytes: 0, pods: 110 },
      gpuCount: 2,
    },
  });
  const machine = fixtureMachine({
    poolId: pool.id,
    hostname: "GPU-01.Rack2",
    zone: "z-machine",
    region: "r1",
    labels: { rack: "r2", team: "infra" },
    taints: [
      { key: "gpu", effect: "NoSchedule" },
      { key: "flaky", value: "true", effect: "PreferNoSchedule" },
    ],
  });

  it("names the Node after the hostname, lower-cased, and refuses what cannot be a Node name", () => {
    expect(nodeNameOf(machine)).toBe("gpu-01.rack2");
    expect(() => nodeNameOf({ ...machine, hostname: "under_score" })).toThrow(/invalid hostname/);
    // undoing a join still has a name to hand the hooks
    expect(nodeNameOrHostname({ ...machine, hostname: "under_score" })).toBe("under_score");
  });

  it("labels: the machine's, its zone and region, then the pool's (which win), then the pool label", () => {
    expect(nodeLabelsOf(machine, pool)).toEqual({
      rack: "r2",
      team: "ml",
      "topology.kubernetes.io/zone": "z-pool",
      "topology.kubernetes.io/region": "r1",
      "node-role.kubernetes.io/gpu": "",
      "kube-static-pool.io/pool": "gpu",
    });
    expect(kubeletLabels(nodeLabelsOf(machine, pool))).not.toHaveProperty(["node-role.kubernetes.io/gpu"]);
  });

  it("taints: the pool's, then the machine's own with another key or effect", () => {
    expect(nodeTaintsOf(machine, pool)).toEqual([
      { key: "gpu", effect: "NoSchedule" },
      { key: "flaky", value: "true", effect: "PreferNoSchedule" },
    ]);
  });

  it("requires what the template promises CA, memory within 10 %", () => {
    expect(requirementsOf(pool)).toEqual({ cpuCores: 8, memoryBytes: Math.floor(32 * GiB * 0.9), gpus: 2 });
    expect(requirementsOf(fixturePool())).toEqual({});
  });
});
