/**
 * The read RPCs: answered from the view, never an error for nodes that are
 * not ours, NotFound for unknown groups, and still served while the control
 * plane is down.
 */
import { afterEach, describe, expect, it } from "vitest";
import type { AutoscalingOptions, CaNode } from "../../../agent/cloud-provider/types.ts";
import { fixtureMachine, fixtureMachines, fixturePool } from "../../support/agent/fixtures.ts";
import { type FakeAgent, startFakeAgent } from "../../support/agent/harness.ts";

const agents: FakeAgent[] = [];
afterEach(async () => {
  await Promise.all(agents.splice(0).map((a) => a.stop()));
});

const FAKE_NODE_ANNOTATION = "k8s.io/cluster-autoscaler/fake-node-reason";
const node = (over: Partial<CaNode>): CaNode => ({
  providerId: "",
  name: "",
  labels: {},
  annotations: {},
  ...over,
});

async function setup() {
  const web = fixturePool({ name: "web", minSize: 1, maxSize: 5, hourlyPrice: 0.5 });
  const gpu = fixturePool({ name: "gpu", template: { gpuCount: 1, gpuType: "l4" } });
  const off = fixturePool({ name: "off", autoscalingEnabled: false });
  const ready = fixtureMachines(2, { poolId: web.id, status: "ready" });
  const reserved = fixtureMachine({ poolId: web.id, status: "reserved" });
  const failed = fixtureMachine({ poolId: web.id, status: "fault", lastError: "join timed out" });
  const offNode = fixtureMachine({ poolId: off.id, status: "ready" });
  const agent = await startFakeAgent({
    pools: [web, gpu, off],
    machines: [...ready, reserved, failed, offNode],
  });
  agents.push(agent);
  return { agent, service: agent.service, web, ready, reserved, failed, offNode };
}

describe("CloudProviderService reads", () => {
  it("lists enabled pools as node groups and counts the target size", async () => {
    const { service } = await setup();
    expect(service.nodeGroups().map((g) => [g.id, g.minSize, g.maxSize])).toEqual([
      ["web", 1, 5],
      ["gpu", 0, 10],
    ]);
    expect(service.targetSize("web")).toBe(3);
    expect(service.targetSize("gpu")).toBe(0);
  });

  it("answers NotFound for unknown groups and for disabled pools", async () => {
    const { service } = await setup();
    expect(() => service.targetSize("nope")).toThrow(
      expect.objectContaining({ code: "not_found", message: expect.stringContaining('"nope"') }),
    );
    expect(() => service.nodes("off")).toThrow(
      expect.objectContaining({
        code: "not_found",
        message: expect.stringContaining("autoscaling disabled"),
      }),
    );
  });

  it("finds a node's group by providerID, by name, and for fake nodes; unmanaged nodes get null", async () => {
    const { service, ready, reserved, offNode } = await setup();
    expect(service.nodeGroupForNode(node({ providerId: ready[0]!.providerId!, name: "whatever" }))?.id).toBe(
      "web",
    );
    expect(service.nodeGroupForNode(node({ name: ready[1]!.nodeName! }))?.id).toBe("web");
    const fake = node({
      name: reserved.providerId!,
      providerId: reserved.providerId!,
      annotations: { [FAKE_NODE_ANNOTATION]: "unregistered" },
    });
    expect(service.nodeGroupForNode(fake)?.id).toBe("web");
    expect(
      service.nodeGroupForNode(node({ name: "kind-control-plane", providerId: "kind://docker/x" })),
    ).toBeNull();
    expect(service.nodeGroupForNode(node({}))).toBeNull();
    expect(service.nodeGroupForNode(node({ providerId: offNode.providerId! }))).toBeNull();
  });

  it("lists instances with their state and errorInfo for failed joins", async () => {
    const { service, failed } = await setup();
    const nodes = service.nodes("web");
    expect(nodes.map((n) => n.state).sort()).toEqual(["creating", "creating", "running", "running"]);
    expect(nodes.find((n) => n.id === failed.providerId)).toEqual({
      id: failed.providerId,
      state: "creating",
      // no available machine left in the pool: OutOfResources
      errorInfo: { errorCode: "join-failed", errorMessage: "join timed out", instanceErrorClass: 1 },
    });
  });

  it("overlays CA's defaults with the pool's options, or answers null when the pool sets none", async () => {
    const { agent, service, web } = await setup();
    const defaults: AutoscalingOptions = {
      scaleDownUtilizationThreshold: 0.5,
      scaleDownGpuUtilizationThreshold: 0.5,
      scaleDownUnneededMs: 600_000,
      scaleDownUnreadyMs: 1_200_000,
      maxNodeProvisionMs: 900_000,
      zeroOrMaxNodeScaling: false,
      ignoreDaemonSetsUtilization: false,
    };
    expect(service.getOptions("web", defaults)).toBeNull();
    agent.fake.change((f) => {
      f.pools.find((p) => p.id === web.id)!.autoscalingOptions = {
        scaleDownUnneededSeconds: 120,
        scaleDownUtilizationThreshold: 0.3,
        zeroOrMaxNodeScaling: true,
      };
    });
    await service.refresh();
    expect(service.getOptions("web", defaults)).toEqual({
      ...defaults,
      scaleDownUnneededMs: 120_000,
      scaleDownUtilizationThreshold: 0.3,
      zeroOrMaxNodeScaling: true,
    });
    expect(() => service.getOptions("nope", defaults)).toThrow(
      expect.objectContaining({ code: "not_found" }),
    );
  });

  it("prices nodes of priced pools by the hour, template nodes by their pool label, others not at all", async () => {
    const { service, ready } = await setup();
    const start = new Date("2026-01-01T00:00:00Z");
    const end = new Date("2026-01-01T03:30:00Z");
    expect(service.nodePrice(node({ providerId: ready[0]!.providerId! }), start, end)).toBeCloseTo(1.75);
    const template = node({
      name: "template-node-for-web-123",
      labels: { "kube-static-pool.io/pool": "web" },
    });
    expect(service.nodePrice(template, start, end)).toBeCloseTo(1.75);
    expect(service.nodePrice(node({ labels: { "kube-static-pool.io/pool": "gpu" } }), start, end)).toBeNull();
    expect(service.nodePrice(node({ name: "unmanaged" }), start, end)).toBeNull();
    expect(service.nodePrice(node({ providerId: ready[0]!.providerId! }), end, start)).toBe(0);
  });

  it("has a GPU label and the pools' GPU types", async () => {
    const { service } = await setup();
    expect(service.gpuLabel()).toBe("nvidia.com/gpu.product");
    expect(service.availableGpuTypes()).toEqual(["l4"]);
  });

  it("keeps serving reads, Refresh and Cleanup while the control plane is down", async () => {
    const { agent, service } = await setup();
    agent.fake.setOutage(true);
    const started = Date.now();
    await expect(service.refresh()).resolves.toBeUndefined();
    expect(Date.now() - started).toBeLessThan(1_000);
    expect(service.targetSize("web")).toBe(3);
    expect(service.nodeGroups()).toHaveLength(2);
    await expect(service.cleanup()).resolves.toBeUndefined();
  });

  it("returns from Refresh within about 500 ms even when the control plane hangs", async () => {
    const { agent, service } = await setup();
    const release = agent.fake.holdStateAnswers();
    const started = Date.now();
    await service.refresh();
    const took = Date.now() - started;
    release();
    expect(took).toBeGreaterThanOrEqual(450);
    expect(took).toBeLessThan(1_500);
  });
});
