/**
 * The CA emulator against a tiny bare grpc-js CloudProvider built from the
 * same reference protos: proves the emulator's patterns, decoding and
 * tolerance rules before the agent's conformance suite relies on them.
 */
import * as grpc from "@grpc/grpc-js";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import {
  CA_DEFAULT_OPTIONS,
  type CaClient,
  CaEmulator,
  type CaProtoVersion,
  CaRpcError,
  caServiceConstructor,
  createCaClient,
  FAKE_NODE_REASON_ANNOTATION,
  INITIAL_BACKOFF_MS,
  k8sNodeMessageType,
  parseQuantity,
  templateNodeProblems,
} from "../../support/ca-emulator/index.ts";
import { requireService } from "../../support/services.ts";
import { createMtlsPki, type MtlsPki, opensslAvailable } from "../../support/test-pki.ts";

const hasOpenssl = await requireService("openssl", opensslAvailable);

type TemplateMode = "good" | "incomplete" | "envelope" | "empty" | "unimplemented";
// biome-ignore lint/suspicious/noExplicitAny: proto-loader request objects.
type Req = any;

const goodNode = {
  metadata: {
    name: "tmpl-gpu",
    labels: {
      "kubernetes.io/os": "linux",
      "kubernetes.io/arch": "arm64",
      "kubernetes.io/hostname": "tmpl-gpu",
      "topology.kubernetes.io/zone": "z1",
      "topology.kubernetes.io/region": "r1",
      "kube-static-pool.io/pool": "gpu",
      "nvidia.com/gpu.product": "A100",
    },
  },
  spec: { taints: [{ key: "gpu", value: "yes", effect: "NoSchedule" }] },
  status: {
    capacity: Object.fromEntries(
      Object.entries({
        cpu: "8",
        memory: "32Gi",
        "ephemeral-storage": "100Gi",
        pods: "110",
        "nvidia.com/gpu": "2",
      }).map(([k, v]) => [k, { string: v }]),
    ),
    allocatable: Object.fromEntries(
      Object.entries({
        cpu: "7500m",
        memory: "30Gi",
        "ephemeral-storage": "90Gi",
        pods: "110",
        "nvidia.com/gpu": "2",
      }).map(([k, v]) => [k, { string: v }]),
    ),
    conditions: [{ type: "Ready", status: "True" }],
  },
};

/** A bare provider: one group "gpu" (min 1, max 5) plus whatever a test sets up. */
class FakeProvider {
  instances: { id: string; state: string }[] = [];
  minSize = 1;
  exhausted = false;
  template: TemplateMode = "good";
  delayMs = 0;
  requests: { rpc: string; request: Req }[] = [];

  reset() {
    this.instances = [
      { id: "ksp://a", state: "instanceRunning" },
      { id: "ksp://b", state: "instanceCreating" },
    ];
    this.minSize = 1;
    this.exhausted = false;
    this.template = "good";
    this.delayMs = 0;
    this.requests = [];
  }

  handlers(version: CaProtoVersion): grpc.UntypedServiceImplementation {
    const group = () => ({ id: "gpu", minSize: this.minSize, maxSize: 5, debug: "" });
    const answers: Record<string, (req: Req) => object | grpc.StatusObject> = {
      Refresh: () => ({}),
      Cleanup: () => ({}),
      NodeGroups: () => ({ nodeGroups: [group()] }),
      NodeGroupForNode: (req) => ({
        nodeGroup: this.instances.some((i) => i.id === req.node.providerID) ? group() : { id: "" },
      }),
      NodeGroupTargetSize: (req) =>
        req.id === "gpu" ? { targetSize: this.instances.length } : notFound(req.id),
      NodeGroupIncreaseSize: (req) => {
        if (this.exhausted)
          return { code: grpc.status.RESOURCE_EXHAUSTED, details: "requested 1, available 0" };
        for (let i = 0; i < req.delta; i++)
          this.instances.push({ id: `ksp://n${i}`, state: "instanceCreating" });
        return {};
      },
      NodeGroupDeleteNodes: (req) => {
        const ids = new Set(req.nodes.map((n: Req) => n.providerID));
        this.instances = this.instances.filter((i) => !ids.has(i.id));
        return {};
      },
      NodeGroupDecreaseTargetSize: () => ({}),
      NodeGroupNodes: () => ({
        instances: this.instances.map((i) => ({ id: i.id, status: { instanceState: i.state } })),
      }),
      NodeGroupTemplateNodeInfo: () => this.templateAnswer(version),
      NodeGroupGetOptions: (req) => ({
        nodeGroupAutoscalingOptions: { ...req.defaults, zeroOrMaxNodeScaling: true },
      }),
      PricingNodePrice: () => ({ price: 1.5 }),
      PricingPodPrice: () => ({ code: grpc.status.UNIMPLEMENTED, details: "no pod pricing" }),
      GPULabel: () => ({ label: "nvidia.com/gpu.product" }),
      GetAvailableGPUTypes: () => ({ gpuTypes: { A100: {} } }),
    };
    const notFound = (id: string) => ({ code: grpc.status.NOT_FOUND, details: `no group ${id}` });
    return Object.fromEntries(
      Object.entries(answers).map(([rpc, answer]) => [
        rpc,
        (call: grpc.ServerUnaryCall<Req, object>, callback: grpc.sendUnaryData<object>) => {
          this.requests.push({ rpc, request: call.request });
          const reply = answer(call.request);
          setTimeout(() => {
            if ("code" in reply) callback(reply as grpc.StatusObject);
            else callback(null, reply);
          }, this.delayMs);
        },
      ]),
    );
  }

  private templateAnswer(version: CaProtoVersion): object {
    if (this.template === "unimplemented") return { code: grpc.status.UNIMPLEMENTED, details: "no template" };
    const node =
      this.template === "incomplete"
        ? { ...goodNode, status: { ...goodNode.status, conditions: [] }, metadata: { name: "x", labels: {} } }
        : goodNode;
    if (version === "legacy") return this.template === "empty" ? {} : { nodeInfo: node };
    const type = k8sNodeMessageType();
    const bytes = Buffer.from(type.encode(type.fromObject(node)).finish());
    if (this.template === "empty") return { nodeBytes: Buffer.alloc(0) };
    if (this.template === "envelope") return { nodeBytes: Buffer.concat([Buffer.from("k8s\0"), bytes]) };
    return { nodeBytes: bytes };
  }
}

async function serve(
  version: CaProtoVersion,
  provider: FakeProvider,
  credentials = grpc.ServerCredentials.createInsecure(),
) {
  const server = new grpc.Server();
  server.addService(caServiceConstructor(version).service, provider.handlers(version));
  const port = await new Promise<number>((resolve, reject) =>
    server.bindAsync("127.0.0.1:0", credentials, (err, p) => (err ? reject(err) : resolve(p))),
  );
  return { server, address: `127.0.0.1:${port}` };
}

describe.each(["current", "legacy"] as const)("CA emulator (%s proto) against a bare provider", (version) => {
  const provider = new FakeProvider();
  let server: grpc.Server;
  let client: CaClient;
  let clock = 0;
  let emulator: CaEmulator;

  beforeAll(async () => {
    const served = await serve(version, provider);
    server = served.server;
    client = createCaClient({ address: served.address, version, timeoutMs: 1_000 });
  });
  afterAll(() => {
    client.close();
    server.forceShutdown();
  });
  beforeEach(() => {
    provider.reset();
    clock = 1_000_000;
    emulator = new CaEmulator(client, { now: () => clock });
  });

  it("runs the refresh loop: Refresh, NodeGroups, NodeGroupForNode per node, then sizes and instances", async () => {
    const loop = await emulator.runOnce([
      { name: "a", providerID: "ksp://a", labels: { x: "y" } },
      { name: "stranger", providerID: "aws:///i-1" },
    ]);
    expect(emulator.calls).toEqual([
      "Refresh",
      "NodeGroups",
      "NodeGroupForNode",
      "NodeGroupForNode",
      "NodeGroupTargetSize",
      "NodeGroupNodes",
    ]);
    expect(loop.groups.map((g) => g.id)).toEqual(["gpu"]);
    expect(Object.fromEntries(loop.groupOfNode)).toEqual({ a: "gpu", stranger: "" });
    expect(loop.targetSizes.get("gpu")).toBe(2);
    expect(loop.instances.get("gpu")!.map((i) => i.state)).toEqual(["instanceRunning", "instanceCreating"]);
    expect(provider.requests[2]!.request.node.labels).toEqual({ x: "y" });
  });

  it("scales up and reads the new target at once", async () => {
    await expect(emulator.scaleUp("gpu", 2)).resolves.toEqual({ outcome: "scaled", before: 2, after: 4 });
    expect(provider.requests.find((r) => r.rpc === "NodeGroupIncreaseSize")!.request).toMatchObject({
      id: "gpu",
      delta: 2,
    });
  });

  it("backs a group off after ResourceExhausted and does not call it again until the backoff ends", async () => {
    provider.exhausted = true;
    const first = await emulator.scaleUp("gpu", 1);
    expect(first).toMatchObject({ outcome: "failed", backoffMs: INITIAL_BACKOFF_MS });
    expect(first.outcome === "failed" && first.error.code).toBe(grpc.status.RESOURCE_EXHAUSTED);
    expect(await emulator.scaleUp("gpu", 1)).toEqual({
      outcome: "backed-off",
      untilMs: clock + INITIAL_BACKOFF_MS,
    });
    expect(emulator.calls.filter((c) => c === "NodeGroupIncreaseSize")).toHaveLength(1);

    clock += INITIAL_BACKOFF_MS;
    expect(await emulator.scaleUp("gpu", 1)).toMatchObject({
      outcome: "failed",
      backoffMs: 2 * INITIAL_BACKOFF_MS,
    });
    provider.exhausted = false;
    clock += 2 * INITIAL_BACKOFF_MS;
    expect(await emulator.scaleUp("gpu", 1)).toMatchObject({ outcome: "scaled", after: 3 });
  });

  it("deletes an unregistered instance through a fake node, and skips it at the group minimum", async () => {
    expect(await emulator.deleteUnregistered("ksp://b")).toEqual({ groupId: "gpu", before: 2, after: 1 });
    const sent = provider.requests.find((r) => r.rpc === "NodeGroupDeleteNodes")!.request;
    expect(sent.id).toBe("gpu");
    expect(sent.nodes).toHaveLength(1);
    expect(sent.nodes[0]).toMatchObject({ name: "ksp://b", providerID: "ksp://b", labels: {} });
    expect(Object.keys(sent.nodes[0].annotations)).toEqual([FAKE_NODE_REASON_ANNOTATION]);

    expect(await emulator.deleteUnregistered("ksp://a")).toBeNull();
    expect(await emulator.deleteUnregistered("ksp://unknown")).toBeNull();
    expect(provider.requests.filter((r) => r.rpc === "NodeGroupDeleteNodes")).toHaveLength(1);
  });

  it("sends a negative delta to decrease the target", async () => {
    await emulator.decreaseTargetSize("gpu", -1);
    expect(provider.requests.at(-1)).toMatchObject({
      rpc: "NodeGroupDecreaseTargetSize",
      request: { delta: -1 },
    });
  });

  it("decodes the template node and finds nothing wrong with a complete one", async () => {
    const node = (await emulator.templateNode("gpu"))!;
    expect(node.name).toBe("tmpl-gpu");
    expect(node.taints).toEqual([{ key: "gpu", value: "yes", effect: "NoSchedule" }]);
    expect(parseQuantity(node.allocatable.cpu!)).toBe(7.5);
    const expected = {
      pool: "gpu",
      arch: "arm64",
      zone: "z1",
      region: "r1",
      gpu: { label: "nvidia.com/gpu.product", type: "A100", count: 2 },
      taints: [{ key: "gpu", value: "yes", effect: "NoSchedule" }],
      capacity: { memory: "32Gi", cpu: "8" },
    };
    expect(templateNodeProblems(node, expected)).toEqual([]);
    expect(templateNodeProblems(node, { ...expected, arch: "amd64", capacity: { cpu: "4" } })).toEqual([
      "label kubernetes.io/arch=arm64, want amd64",
      "capacity cpu=8, want 4",
    ]);
  });

  it("reports every gap of an incomplete template node", async () => {
    provider.template = "incomplete";
    const problems = templateNodeProblems((await emulator.templateNode("gpu"))!, {
      pool: "gpu",
      gpu: { label: "nvidia.com/gpu.product", type: "A100", count: 2 },
    });
    expect(problems).toEqual(
      expect.arrayContaining([
        "label kubernetes.io/os missing",
        "label kubernetes.io/hostname missing",
        "label topology.kubernetes.io/zone missing",
        "label kube-static-pool.io/pool missing",
        "label nvidia.com/gpu.product missing",
        "Ready condition missing, want True",
      ]),
    );
  });

  it("rejects an OK template without a node, and tolerates Unimplemented", async () => {
    provider.template = "empty";
    await expect(emulator.templateNode("gpu")).rejects.toThrow(/OK with (empty nodeBytes|no nodeInfo)/);
    provider.template = "unimplemented";
    await expect(emulator.templateNode("gpu")).resolves.toBeNull();
  });

  it("round-trips options in this version's duration fields", async () => {
    const options = await emulator.getOptions("gpu", CA_DEFAULT_OPTIONS);
    expect(options).toEqual({ ...CA_DEFAULT_OPTIONS, zeroOrMaxNodeScaling: true });
    const sent = provider.requests.at(-1)!.request.defaults;
    if (version === "legacy") expect(sent.scaleDownUnneededTime).toEqual({ duration: "600000000000" });
    else expect(sent.scaleDownUnneededDuration).toEqual({ seconds: "600", nanos: 0 });
  });

  it("prices nodes, tolerates Unimplemented pod pricing, reads GPU label and types, cleans up", async () => {
    const start = new Date("2025-01-01T00:00:00Z");
    const end = new Date("2025-01-01T02:00:00Z");
    expect(await emulator.nodePrice({ name: "a", providerID: "ksp://a" }, start, end)).toBe(1.5);
    const priced = provider.requests.at(-1)!.request;
    expect(priced[version === "legacy" ? "startTime" : "startTimestamp"].seconds).toBe(
      String(start.getTime() / 1000),
    );
    expect(await emulator.podPrice(start, end)).toBeNull();
    expect(await emulator.gpuLabel()).toBe("nvidia.com/gpu.product");
    expect(await emulator.availableGpuTypes()).toEqual(["A100"]);
    await expect(emulator.cleanup()).resolves.toBeUndefined();
  });

  it("fails, like CA, on errors it does not tolerate, and on its per-call deadline", async () => {
    const err = await emulator.targetSize("nope").catch((e: unknown) => e);
    expect(err).toBeInstanceOf(CaRpcError);
    expect((err as CaRpcError).codeName).toBe("NOT_FOUND");
    provider.delayMs = 1_500;
    const late = await emulator.nodeGroups().catch((e: unknown) => e);
    expect((late as CaRpcError).code).toBe(grpc.status.DEADLINE_EXCEEDED);
  });
});

describe("CA emulator decoding nodeBytes (current proto)", () => {
  it("refuses nodeBytes wrapped in the API server's k8s envelope, as v1.Node#Unmarshal does", async () => {
    const provider = new FakeProvider();
    provider.reset();
    provider.template = "envelope";
    const { server, address } = await serve("current", provider);
    const client = createCaClient({ address, version: "current" });
    try {
      await expect(new CaEmulator(client).templateNode("gpu")).rejects.toThrow();
      provider.template = "good";
      await expect(new CaEmulator(client).templateNode("gpu")).resolves.toMatchObject({ name: "tmpl-gpu" });
    } finally {
      client.close();
      server.forceShutdown();
    }
  });
});

describe.skipIf(!hasOpenssl)("CA emulator over mTLS", () => {
  let pki: MtlsPki;
  let server: grpc.Server;
  let address: string;

  beforeAll(async () => {
    pki = await createMtlsPki();
    const credentials = grpc.ServerCredentials.createSsl(
      pki.ca.cert,
      [{ cert_chain: pki.server.cert, private_key: pki.server.key }],
      true,
    );
    const provider = new FakeProvider();
    provider.reset();
    ({ server, address } = await serve("current", provider, credentials));
  });
  afterAll(() => {
    server.forceShutdown();
    pki.remove();
  });

  it("is served with a client certificate and refused without one", async () => {
    const withCert = createCaClient({
      address,
      version: "current",
      tls: { ca: pki.ca.cert, cert: pki.client.cert, key: pki.client.key, serverName: "localhost" },
    });
    const without = createCaClient({
      address,
      version: "current",
      tls: { ca: pki.ca.cert, serverName: "localhost" },
    });
    try {
      expect((await new CaEmulator(withCert).nodeGroups()).map((g) => g.id)).toEqual(["gpu"]);
      const refused = await new CaEmulator(without).nodeGroups().catch((e: unknown) => e);
      expect((refused as CaRpcError).code).toBe(grpc.status.UNAVAILABLE);
    } finally {
      withCert.close();
      without.close();
    }
  });
});
