/**
 * The externalgrpc transport on a real port, driven by clients compiled from
 * the upstream protos (current and CA 1.34.1 legacy): every RPC's mapping to
 * CloudProviderService, and every error code's mapping to a gRPC status.
 */
import { status } from "@grpc/grpc-js";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import type { CloudProviderService } from "../../../agent/cloud-provider/types.ts";
import { AGENT_ERROR_CODES, AgentError } from "../../../agent/errors.ts";
import { type GrpcServer, startGrpcServer } from "../../../agent/grpc/server.ts";
import { INTERNAL_ERROR_MESSAGE } from "../../../agent/grpc/status-map.ts";
import { encodeNode } from "../../../proto/k8s-node.ts";
import {
  callError,
  captureLogger,
  connect,
  DEFAULT_OPTIONS,
  stubService,
  type TestClient,
} from "../../support/harness/grpc.ts";

let service = stubService();
const log = captureLogger();
// The server holds one service; each test swaps the implementation it forwards to.
const forwarding = new Proxy({} as CloudProviderService, {
  get: (_target, method) => service[method as keyof CloudProviderService],
});
let server: GrpcServer;
let current: TestClient;
let legacy: TestClient;

beforeAll(async () => {
  server = await startGrpcServer({
    listen: { host: "127.0.0.1", port: 0 },
    tls: null,
    service: forwarding,
    logger: log.logger,
  });
  current = connect("current", server.port);
  legacy = connect("legacy", server.port);
});

afterAll(async () => {
  current.close();
  legacy.close();
  await server.close();
});

afterEach(() => {
  service = stubService();
});

const fakeNode = {
  providerID: "ksp://m-1",
  name: "ksp://m-1",
  labels: {},
  annotations: { "k8s.io/cluster-autoscaler/fake-node-reason": "unregistered" },
};

describe("read RPCs", () => {
  it("binds port 0 to a real port", () => {
    expect(server.port).toBeGreaterThan(0);
    expect(server.address).toEqual({ host: "127.0.0.1", port: server.port });
  });

  it("NodeGroups lists the service's groups", async () => {
    expect(await current.call("NodeGroups")).toEqual({
      nodeGroups: [{ id: "default", minSize: 0, maxSize: 3, debug: "pool=default ready=1" }],
    });
  });

  it("NodeGroupForNode passes the node and answers an empty id for unmanaged nodes", async () => {
    const node = { providerID: "ksp://m-1", name: "n1", labels: { a: "b" }, annotations: { c: "d" } };
    expect((await current.call("NodeGroupForNode", { node })).nodeGroup.id).toBe("default");
    expect(service.calls.at(-1)).toEqual({
      method: "nodeGroupForNode",
      args: [{ providerId: "ksp://m-1", name: "n1", labels: { a: "b" }, annotations: { c: "d" } }],
    });
    const unmanaged = await current.call("NodeGroupForNode", {
      node: { providerID: "aws:///i-1", name: "x" },
    });
    expect(unmanaged.nodeGroup).toEqual({ id: "", minSize: 0, maxSize: 0, debug: "" });
    expect((await legacy.call("NodeGroupForNode", { node: fakeNode })).nodeGroup.id).toBe("default");
  });

  it("NodeGroupForNode without a node is INVALID_ARGUMENT", async () => {
    const err = await callError(current.call("NodeGroupForNode", {}));
    expect([err.code, err.details]).toEqual([status.INVALID_ARGUMENT, "node is required"]);
    const nameless = await callError(current.call("NodeGroupForNode", { node: { labels: { a: "b" } } }));
    expect(nameless.code).toBe(status.INVALID_ARGUMENT);
  });

  it("NodeGroupTargetSize asks for the group by id; a missing id is INVALID_ARGUMENT", async () => {
    service = stubService({ targetSize: (id) => (id === "default" ? 4 : 0) });
    expect(await current.call("NodeGroupTargetSize", { id: "default" })).toEqual({ targetSize: 4 });
    expect((await callError(current.call("NodeGroupTargetSize", {}))).code).toBe(status.INVALID_ARGUMENT);
  });

  it("NodeGroupNodes maps states and error info", async () => {
    service = stubService({
      nodes: () => [
        { id: "ksp://a", state: "running" },
        { id: "ksp://b", state: "creating" },
        { id: "ksp://c", state: "deleting" },
        {
          id: "ksp://d",
          state: "creating",
          errorInfo: { errorCode: "join-failed", errorMessage: "kubeadm failed", instanceErrorClass: 99 },
        },
      ],
    });
    const { instances } = await current.call("NodeGroupNodes", { id: "default" });
    expect(instances).toEqual([
      { id: "ksp://a", status: { instanceState: "instanceRunning", errorInfo: null } },
      { id: "ksp://b", status: { instanceState: "instanceCreating", errorInfo: null } },
      { id: "ksp://c", status: { instanceState: "instanceDeleting", errorInfo: null } },
      {
        id: "ksp://d",
        status: {
          instanceState: "instanceCreating",
          errorInfo: { errorCode: "join-failed", errorMessage: "kubeadm failed", instanceErrorClass: 99 },
        },
      },
    ]);
    expect(service.calls.at(-1)).toEqual({ method: "nodes", args: ["default"] });
  });

  it("GPULabel and GetAvailableGPUTypes", async () => {
    service = stubService({ gpuLabel: () => "example.com/gpu", availableGpuTypes: () => ["a100", "t4"] });
    expect(await current.call("GPULabel")).toEqual({ label: "example.com/gpu" });
    const { gpuTypes } = await current.call("GetAvailableGPUTypes");
    expect(Object.keys(gpuTypes).sort()).toEqual(["a100", "t4"]);
    expect(Object.keys((await legacy.call("GetAvailableGPUTypes")).gpuTypes).sort()).toEqual(["a100", "t4"]);
  });

  it("Refresh and Cleanup call through and answer OK", async () => {
    expect(await current.call("Refresh")).toEqual({});
    expect(await current.call("Cleanup")).toEqual({});
    expect(service.calls.map((c) => c.method)).toEqual(["refresh", "cleanup"]);
  });
});

describe("mutating RPCs", () => {
  it("IncreaseSize passes id, delta and the call deadline", async () => {
    const before = Date.now();
    await current.call("NodeGroupIncreaseSize", { id: "default", delta: 2 }, 4000);
    const [id, delta, deadline] = service.calls.at(-1)!.args as [string, number, Date];
    expect([id, delta]).toEqual(["default", 2]);
    expect(deadline).toBeInstanceOf(Date);
    expect(deadline.getTime()).toBeGreaterThanOrEqual(before + 3000);
    expect(deadline.getTime()).toBeLessThanOrEqual(Date.now() + 4000);
  });

  it("DeleteNodes passes every node, fake nodes included", async () => {
    const real = { providerID: "ksp://m-2", name: "worker-2", labels: { pool: "default" } };
    await current.call("NodeGroupDeleteNodes", { id: "default", nodes: [real, fakeNode] });
    const [id, nodes, deadline] = service.calls.at(-1)!.args as [string, unknown[], Date];
    expect(id).toBe("default");
    expect(nodes).toEqual([
      { providerId: "ksp://m-2", name: "worker-2", labels: { pool: "default" }, annotations: {} },
      {
        providerId: "ksp://m-1",
        name: "ksp://m-1",
        labels: {},
        annotations: { "k8s.io/cluster-autoscaler/fake-node-reason": "unregistered" },
      },
    ]);
    expect(deadline).toBeInstanceOf(Date);
    const empty = await callError(current.call("NodeGroupDeleteNodes", { id: "default", nodes: [] }));
    expect([empty.code, empty.details]).toEqual([
      status.INVALID_ARGUMENT,
      "nodes: at least one node is required",
    ]);
  });

  it("DecreaseTargetSize passes the (negative) delta", async () => {
    await legacy.call("NodeGroupDecreaseTargetSize", { id: "default", delta: -1 });
    expect(service.calls.at(-1)!.args.slice(0, 2)).toEqual(["default", -1]);
  });

  it("a non-leader's UNAVAILABLE reaches the client, so CA retries", async () => {
    const notLeader = async () => {
      throw new AgentError("unavailable", "not the leader; the leader is agent-1");
    };
    service = stubService({ increaseSize: notLeader, deleteNodes: notLeader, decreaseTargetSize: notLeader });
    for (const [method, request] of [
      ["NodeGroupIncreaseSize", { id: "default", delta: 1 }],
      ["NodeGroupDeleteNodes", { id: "default", nodes: [fakeNode] }],
      ["NodeGroupDecreaseTargetSize", { id: "default", delta: -1 }],
    ] as const) {
      const err = await callError(current.call(method, request));
      expect([err.code, err.details]).toEqual([status.UNAVAILABLE, "not the leader; the leader is agent-1"]);
    }
  });

  it("ResourceExhausted carries the domain's message with counts", async () => {
    service = stubService({
      increaseSize: async () => {
        throw new AgentError("resource_exhausted", "not enough machines: requested 3, available 1", {
          requested: 3,
          available: 1,
        });
      },
    });
    const err = await callError(current.call("NodeGroupIncreaseSize", { id: "default", delta: 3 }));
    expect([err.code, err.details]).toEqual([
      status.RESOURCE_EXHAUSTED,
      "not enough machines: requested 3, available 1",
    ]);
  });
});

describe("NodeGroupTemplateNodeInfo", () => {
  const node = encodeNode({
    name: "template-default",
    labels: { "kubernetes.io/os": "linux", "kube-static-pool.io/pool": "default" },
    taints: [{ key: "gpu", value: "true", effect: "NoSchedule" }],
    capacity: { cpu: "4", memory: "8Gi", pods: "110" },
    allocatable: { cpu: "4", memory: "8Gi", pods: "110" },
    conditions: [{ type: "Ready", status: "True" }],
  });

  it("sends the same Node bytes in nodeBytes (current) and nodeInfo (legacy, decoded as a Node)", async () => {
    service = stubService({ templateNodeInfo: () => node });
    const fresh = await current.call("NodeGroupTemplateNodeInfo", { id: "default" });
    expect(Buffer.from(fresh.nodeBytes).equals(Buffer.from(node))).toBe(true);
    const old = await legacy.call("NodeGroupTemplateNodeInfo", { id: "default" });
    expect(old.nodeInfo.metadata.name).toBe("template-default");
    expect(old.nodeInfo.metadata.labels).toEqual({
      "kubernetes.io/os": "linux",
      "kube-static-pool.io/pool": "default",
    });
    expect(old.nodeInfo.spec.taints).toEqual([expect.objectContaining({ key: "gpu", effect: "NoSchedule" })]);
    expect(old.nodeInfo.status.capacity.cpu).toEqual({ string: "4" });
    expect(old.nodeInfo.status.conditions[0]).toMatchObject({ type: "Ready", status: "True" });
  });

  it("answers UNIMPLEMENTED when there is nothing to build from, never empty bytes with OK", async () => {
    service = stubService({
      templateNodeInfo: () => {
        throw new AgentError("unimplemented", "pool default has no template and no machines");
      },
    });
    const err = await callError(current.call("NodeGroupTemplateNodeInfo", { id: "default" }));
    expect([err.code, err.details]).toEqual([
      status.UNIMPLEMENTED,
      "pool default has no template and no machines",
    ]);
    service = stubService({ templateNodeInfo: () => new Uint8Array() });
    expect((await callError(current.call("NodeGroupTemplateNodeInfo", { id: "default" }))).code).toBe(
      status.UNIMPLEMENTED,
    );
  });
});

describe("NodeGroupGetOptions", () => {
  const poolOptions = { ...DEFAULT_OPTIONS, scaleDownUnneededMs: 90_500, zeroOrMaxNodeScaling: true };

  it("is UNIMPLEMENTED when the pool sets no options", async () => {
    const err = await callError(current.call("NodeGroupGetOptions", { id: "default", defaults: {} }));
    expect(err.code).toBe(status.UNIMPLEMENTED);
  });

  it("reads CA >= 1.35 defaults (Duration fields) and answers in that layout", async () => {
    service = stubService({ getOptions: () => poolOptions });
    const defaults = {
      scaleDownUtilizationThreshold: 0.5,
      scaleDownGpuUtilizationThreshold: 0.5,
      scaleDownUnneededDuration: { seconds: 600, nanos: 0 },
      scaleDownUnreadyDuration: { seconds: 1200, nanos: 0 },
      MaxNodeProvisionDuration: { seconds: 900, nanos: 0 },
    };
    const { nodeGroupAutoscalingOptions: got } = await current.call("NodeGroupGetOptions", {
      id: "default",
      defaults,
    });
    expect(service.calls.at(-1)!.args).toEqual(["default", DEFAULT_OPTIONS]);
    expect(got).toEqual({
      scaleDownUtilizationThreshold: 0.5,
      scaleDownGpuUtilizationThreshold: 0.5,
      zeroOrMaxNodeScaling: true,
      ignoreDaemonSetsUtilization: false,
      scaleDownUnneededDuration: { seconds: "90", nanos: 500_000_000 },
      scaleDownUnreadyDuration: { seconds: "1200", nanos: 0 },
      MaxNodeProvisionDuration: { seconds: "900", nanos: 0 },
    });
  });

  it("reads CA <= 1.34 defaults (meta/v1 Durations in ns) and answers in the legacy layout too", async () => {
    service = stubService({ getOptions: () => poolOptions });
    const defaults = {
      scaleDownUtilizationThreshold: 0.5,
      scaleDownGpuUtilizationThreshold: 0.5,
      scaleDownUnneededTime: { duration: "600000000000" },
      scaleDownUnreadyTime: { duration: "1200000000000" },
      MaxNodeProvisionTime: { duration: "900000000000" },
    };
    const { nodeGroupAutoscalingOptions: got } = await legacy.call("NodeGroupGetOptions", {
      id: "default",
      defaults,
    });
    expect(service.calls.at(-1)!.args).toEqual(["default", DEFAULT_OPTIONS]);
    expect(got).toMatchObject({
      zeroOrMaxNodeScaling: true,
      scaleDownUnneededTime: { duration: "90500000000" },
      scaleDownUnreadyTime: { duration: "1200000000000" },
      MaxNodeProvisionTime: { duration: "900000000000" },
    });
  });

  it("an out-of-range default duration is INVALID_ARGUMENT, not a crash", async () => {
    service = stubService({ getOptions: () => poolOptions });
    const defaults = { scaleDownUnneededDuration: { seconds: "9223372036854775807", nanos: 0 } };
    const err = await callError(current.call("NodeGroupGetOptions", { id: "default", defaults }));
    expect([err.code, err.details]).toEqual([
      status.INVALID_ARGUMENT,
      "defaults.scaleDownUnneeded: out of range",
    ]);
  });

  it("without defaults is INVALID_ARGUMENT", async () => {
    service = stubService({ getOptions: () => poolOptions });
    const err = await callError(current.call("NodeGroupGetOptions", { id: "default" }));
    expect([err.code, err.details]).toEqual([status.INVALID_ARGUMENT, "defaults is required"]);
  });
});

describe("pricing", () => {
  const start = new Date("2025-03-01T10:00:00Z");
  const end = new Date("2025-03-01T12:30:00Z");
  const seconds = (date: Date) => ({ seconds: date.getTime() / 1000, nanos: 0 });

  it("NodePrice reads the current time fields (4, 5) and the legacy ones (2, 3)", async () => {
    service = stubService({
      nodePrice: (_node, from, to) => ((to.getTime() - from.getTime()) / 3_600_000) * 2,
    });
    const node = { providerID: "ksp://m-1", name: "n1" };
    const fresh = await current.call("PricingNodePrice", {
      node,
      startTimestamp: seconds(start),
      endTimestamp: seconds(end),
    });
    expect(fresh.price).toBe(5);
    expect(service.calls.at(-1)!.args.slice(1)).toEqual([start, end]);
    const old = await legacy.call("PricingNodePrice", {
      node,
      startTime: seconds(start),
      endTime: seconds(end),
    });
    expect(old.price).toBe(5);
    expect(service.calls.at(-1)!.args.slice(1)).toEqual([start, end]);
  });

  it("NodePrice is UNIMPLEMENTED without a price and INVALID_ARGUMENT without times", async () => {
    const node = { providerID: "ksp://m-1", name: "n1" };
    const request = { node, startTimestamp: seconds(start), endTimestamp: seconds(end) };
    expect((await callError(current.call("PricingNodePrice", request))).code).toBe(status.UNIMPLEMENTED);
    const noTimes = await callError(current.call("PricingNodePrice", { node }));
    expect([noTimes.code, noTimes.details]).toEqual([status.INVALID_ARGUMENT, "startTimestamp is required"]);
    const backwards = { node, startTimestamp: seconds(end), endTimestamp: seconds(start) };
    expect((await callError(current.call("PricingNodePrice", backwards))).code).toBe(status.INVALID_ARGUMENT);
  });

  it("PodPrice is always UNIMPLEMENTED, in both layouts", async () => {
    service = stubService({ nodePrice: () => 1 });
    expect((await callError(current.call("PricingPodPrice", { pod_bytes: Buffer.from([1]) }))).code).toBe(
      status.UNIMPLEMENTED,
    );
    expect((await callError(legacy.call("PricingPodPrice", {}))).code).toBe(status.UNIMPLEMENTED);
  });
});

describe("error mapping", () => {
  const expected: Record<(typeof AGENT_ERROR_CODES)[number], status> = {
    not_found: status.NOT_FOUND,
    invalid_argument: status.INVALID_ARGUMENT,
    failed_precondition: status.FAILED_PRECONDITION,
    resource_exhausted: status.RESOURCE_EXHAUSTED,
    unavailable: status.UNAVAILABLE,
    unimplemented: status.UNIMPLEMENTED,
    deadline_exceeded: status.DEADLINE_EXCEEDED,
    internal: status.INTERNAL,
  };

  it.each(AGENT_ERROR_CODES.map((code) => [code]))("AgentError %s keeps its message", async (code) => {
    service = stubService({
      targetSize: () => {
        throw new AgentError(code, `failed with ${code}`);
      },
    });
    const err = await callError(current.call("NodeGroupTargetSize", { id: "default" }));
    expect([err.code, err.details]).toEqual([expected[code], `failed with ${code}`]);
  });

  it("an unexpected error is INTERNAL with a generic message, and logged", async () => {
    service = stubService({
      nodeGroups: () => {
        throw new TypeError("cannot read properties of undefined (secret internals)");
      },
    });
    const err = await callError(current.call("NodeGroups"));
    expect([err.code, err.details]).toEqual([status.INTERNAL, INTERNAL_ERROR_MESSAGE]);
    const [failure, access] = log.lines.slice(-2);
    expect(failure).toMatchObject({
      level: "error",
      msg: "rpc failed with an unexpected error",
      component: "grpc",
      method: "NodeGroups",
      err: { name: "TypeError" },
    });
    // The access log line at debug: one JSON object per call.
    expect(access).toMatchObject({ level: "debug", msg: "rpc", method: "NodeGroups", code: "INTERNAL" });
    expect(access.ms).toBeGreaterThanOrEqual(0);
  });
});
