/**
 * The template node: from the pool's template when it declares capacity,
 * else from the pool's smallest machine; labels, taints, resources and a
 * Ready condition; Unimplemented when there is nothing to build from. The
 * service's bytes decode with the reference Kubernetes protos.
 */
import { afterEach, describe, expect, it } from "vitest";
import { buildTemplateNode, cpuQuantity } from "../../../agent/cloud-provider/template-node.ts";
import { buildView } from "../../../agent/state/view.ts";
import type { AgentMachine, AgentPool } from "../../../proto/agent-api.ts";
import { fixtureMachine, fixturePool, fixtureState } from "../../support/agent/fixtures.ts";
import { type FakeAgent, startFakeAgent } from "../../support/agent/harness.ts";
import { loadReference } from "../../support/reference-protos.ts";

const GiB = 2 ** 30;
const NOW = new Date("2026-02-03T04:05:06Z");
const GPU_LABEL = "nvidia.com/gpu.product";

const poolView = (pool: AgentPool, machines: AgentMachine[]) =>
  buildView(fixtureState({ pools: [pool], machines })).poolsByName.get(pool.name)!;

const agents: FakeAgent[] = [];
afterEach(async () => {
  await Promise.all(agents.splice(0).map((a) => a.stop()));
});

describe("template node", () => {
  it("is built from the pool template when it declares capacity", () => {
    const pool = fixturePool({
      name: "gpu",
      template: {
        labels: { "kubernetes.io/arch": "arm64", "topology.kubernetes.io/zone": "z-template", team: "ml" },
        taints: [{ key: "nvidia.com/gpu", value: "present", effect: "NoSchedule" }],
        capacity: { cpuMillis: 16_000, memoryBytes: 64 * GiB, ephemeralStorageBytes: 200 * GiB, pods: 58 },
        allocatable: { cpuMillis: 15_500, memoryBytes: 60 * GiB, ephemeralStorageBytes: 0, pods: 0 },
        gpuCount: 2,
        gpuType: "l40s",
      },
    });
    const bigger = fixtureMachine({
      poolId: pool.id,
      status: "ready",
      zone: "z-machine",
      region: "r-machine",
    });
    const node = buildTemplateNode(poolView(pool, [bigger]), GPU_LABEL, NOW);
    expect(node.labels).toEqual({
      "kubernetes.io/os": "linux",
      "kubernetes.io/arch": "arm64",
      "kubernetes.io/hostname": node.name,
      "topology.kubernetes.io/zone": "z-template",
      "topology.kubernetes.io/region": "r-machine",
      "kube-static-pool.io/pool": "gpu",
      [GPU_LABEL]: "l40s",
      team: "ml",
    });
    expect(node.taints).toEqual([{ key: "nvidia.com/gpu", value: "present", effect: "NoSchedule" }]);
    expect(node.capacity).toEqual({
      cpu: "16",
      memory: String(64 * GiB),
      "ephemeral-storage": String(200 * GiB),
      pods: "58",
      "nvidia.com/gpu": "2",
    });
    expect(node.allocatable).toEqual({
      cpu: "15500m",
      memory: String(60 * GiB),
      "ephemeral-storage": String(200 * GiB),
      pods: "58",
      "nvidia.com/gpu": "2",
    });
    expect(node.conditions).toEqual([
      expect.objectContaining({ type: "Ready", status: "True", lastTransitionTime: NOW }),
    ]);
  });

  it("copies the smallest machine (CPU, then memory) when the template declares no capacity", () => {
    const pool = fixturePool({ name: "web" });
    const machines = [
      fixtureMachine({ poolId: pool.id, status: "ready", resources: { cpuCores: 8, memoryBytes: 32 * GiB } }),
      fixtureMachine({ poolId: pool.id, status: "ready", resources: { cpuCores: 4, memoryBytes: 16 * GiB } }),
      fixtureMachine({
        poolId: pool.id,
        status: "available",
        zone: "z1",
        region: "r1",
        resources: { cpuCores: 4, memoryBytes: 8 * GiB, gpuCount: 1, gpuType: "t4" },
      }),
      fixtureMachine({ poolId: pool.id, status: "reserved", resources: { cpuCores: 0, memoryBytes: 0 } }),
    ];
    const node = buildTemplateNode(poolView(pool, machines), GPU_LABEL, NOW);
    expect(node.capacity).toEqual({
      cpu: "4",
      memory: String(8 * GiB),
      "ephemeral-storage": "0",
      pods: "110",
      "nvidia.com/gpu": "1",
    });
    expect(node.allocatable).toEqual(node.capacity);
    expect(node.labels).toMatchObject({
      "kubernetes.io/arch": "amd64",
      "topology.kubernetes.io/zone": "z1",
      "topology.kubernetes.io/region": "r1",
      [GPU_LABEL]: "t4",
    });
  });

  it("has no GPU label or resource for pools without GPUs", () => {
    const pool = fixturePool({ name: "cpu" });
    const node = buildTemplateNode(
      poolView(pool, [fixtureMachine({ poolId: pool.id, status: "ready" })]),
      GPU_LABEL,
      NOW,
    );
    expect(node.labels[GPU_LABEL]).toBeUndefined();
    expect(node.capacity["nvidia.com/gpu"]).toBeUndefined();
  });

  it("is Unimplemented when the pool declares nothing and has no machine", () => {
    const pool = fixturePool({ name: "empty" });
    expect(() => buildTemplateNode(poolView(pool, []), GPU_LABEL, NOW)).toThrow(
      expect.objectContaining({ code: "unimplemented", message: expect.stringContaining('"empty"') }),
    );
  });

  it("writes CPU as whole cores or millicores", () => {
    expect([cpuQuantity(4000), cpuQuantity(250), cpuQuantity(1500)]).toEqual(["4", "250m", "1500m"]);
  });

  it("comes out of the service as a v1.Node the reference protos decode", async () => {
    const pool = fixturePool({ name: "web" });
    const agent = await startFakeAgent({
      pools: [pool],
      machines: [fixtureMachine({ poolId: pool.id, status: "ready" })],
      gpuLabel: "example.com/gpu",
    });
    agents.push(agent);
    const Node = loadReference("k8sCore").lookupType("k8s.io.api.core.v1.Node");
    const decoded = Node.toObject(Node.decode(agent.service.templateNodeInfo("web"))) as {
      metadata: { name: string; labels: Record<string, string> };
      status: {
        capacity: Record<string, { string: string }>;
        conditions: { type: string; status: string }[];
      };
    };
    expect(decoded.metadata.labels["kube-static-pool.io/pool"]).toBe("web");
    expect(decoded.status.capacity.cpu).toEqual({ string: "8" });
    expect(decoded.status.conditions).toEqual([expect.objectContaining({ type: "Ready", status: "True" })]);
    expect(() => agent.service.templateNodeInfo("nope")).toThrow(
      expect.objectContaining({ code: "not_found" }),
    );
  });
});
