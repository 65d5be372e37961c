import { describe, expect, it } from "vitest";
import { encodeNode, type NodeSubset } from "../../../proto/k8s-node.ts";
import { loadReference } from "../../support/reference-protos.ts";

const k8s = loadReference("k8sCore");
const NodeType = k8s.lookupType("k8s.io.api.core.v1.Node");

// biome-ignore lint/suspicious/noExplicitAny: decoded protobuf objects are untyped by nature.
function decode(bytes: Uint8Array): any {
  return NodeType.toObject(NodeType.decode(bytes), { longs: String, defaults: false });
}

const fullNode: NodeSubset = {
  name: "ksp-gpu-0001",
  labels: {
    "kubernetes.io/os": "linux",
    "kubernetes.io/arch": "amd64",
    "kubernetes.io/hostname": "ksp-gpu-0001",
    "topology.kubernetes.io/zone": "fra-1a",
    "topology.kubernetes.io/region": "fra-1",
    "kube-static-pool.io/pool": "gpu",
    "nvidia.com/gpu.product": "NVIDIA-A100-SXM4-80GB",
  },
  annotations: { "kube-static-pool.io/template": "true" },
  providerId: "ksp://0b6d2a8e-2f4c-4a55-9a43-6d1c3f0e9a11",
  taints: [
    { key: "nvidia.com/gpu", value: "present", effect: "NoSchedule" },
    { key: "dedicated", effect: "NoExecute" },
  ],
  capacity: {
    cpu: "64",
    memory: "515396075520",
    "ephemeral-storage": "1Ti",
    pods: "110",
    "nvidia.com/gpu": "8",
  },
  allocatable: {
    cpu: "63500m",
    memory: "500Gi",
    "ephemeral-storage": "900Gi",
    pods: "110",
    "nvidia.com/gpu": "8",
  },
  conditions: [
    {
      type: "Ready",
      status: "True",
      reason: "KubeletReady",
      message: "kubelet is posting ready status",
      lastHeartbeatTime: new Date("2025-03-04T05:06:07.123Z"),
      lastTransitionTime: new Date("2025-03-04T05:00:00.000Z"),
    },
  ],
  nodeInfo: {
    architecture: "amd64",
    operatingSystem: "linux",
    kubeletVersion: "v1.33.1",
    containerRuntimeVersion: "containerd://2.0.5",
    osImage: "Ubuntu 24.04.2 LTS",
    kernelVersion: "6.8.0-60-generic",
  },
};

function quantities(map: Record<string, string>): Record<string, { string: string }> {
  return Object.fromEntries(Object.entries(map).map(([key, value]) => [key, { string: value }]));
}

describe("encodeNode, decoded with the reference Kubernetes protos", () => {
  it("round-trips every field we emit", () => {
    const node = decode(encodeNode(fullNode));
    expect(node.metadata).toEqual({
      name: "ksp-gpu-0001",
      labels: fullNode.labels,
      annotations: fullNode.annotations,
    });
    expect(node.spec).toEqual({
      providerID: "ksp://0b6d2a8e-2f4c-4a55-9a43-6d1c3f0e9a11",
      taints: [
        { key: "nvidia.com/gpu", value: "present", effect: "NoSchedule" },
        { key: "dedicated", effect: "NoExecute" },
      ],
    });
    expect(node.status.capacity).toEqual(quantities(fullNode.capacity));
    expect(node.status.allocatable).toEqual(quantities(fullNode.allocatable));
    expect(node.status.conditions).toEqual([
      {
        type: "Ready",
        status: "True",
        reason: "KubeletReady",
        message: "kubelet is posting ready status",
        lastHeartbeatTime: { seconds: String(Date.UTC(2025, 2, 4, 5, 6, 7) / 1000), nanos: 123_000_000 },
        lastTransitionTime: { seconds: String(Date.UTC(2025, 2, 4, 5, 0, 0) / 1000), nanos: 0 },
      },
    ]);
    expect(node.status.nodeInfo).toEqual(fullNode.nodeInfo);
  });

  it("is a plain v1.Node: no k8s\\0 envelope, metadata first", () => {
    const bytes = encodeNode(fullNode);
    expect(bytes[0]).toBe(0x0a); // field 1 (metadata), wire type 2
    expect(Array.from(bytes.subarray(0, 4))).not.toEqual([0x6b, 0x38, 0x73, 0x00]);
  });

  it("is byte-identical to protobufjs encoding the same Node with the reference schema", () => {
    const sortedKeys = (map: Readonly<Record<string, string>>): Record<string, string> =>
      Object.fromEntries(Object.entries(map).sort(([a], [b]) => (a < b ? -1 : 1)));
    const time = (date: Date) => ({
      seconds: Math.floor(date.getTime() / 1000),
      nanos: (date.getTime() % 1000) * 1e6,
    });
    const condition = fullNode.conditions[0]!;
    const reference = NodeType.encode(
      NodeType.fromObject({
        metadata: {
          name: fullNode.name,
          labels: sortedKeys(fullNode.labels),
          annotations: fullNode.annotations,
        },
        spec: { providerID: fullNode.providerId, taints: fullNode.taints },
        status: {
          capacity: quantities(sortedKeys(fullNode.capacity)),
          allocatable: quantities(sortedKeys(fullNode.allocatable)),
          conditions: [
            {
              type: condition.type,
              status: condition.status,
              lastHeartbeatTime: time(condition.lastHeartbeatTime!),
              lastTransitionTime: time(condition.lastTransitionTime!),
              reason: condition.reason,
              message: condition.message,
            },
          ],
          nodeInfo: fullNode.nodeInfo,
        },
      }),
    ).finish();
    expect(Buffer.from(encodeNode(fullNode)).equals(Buffer.from(reference))).toBe(true);
  });

  it("handles an empty node: empty maps, no taints, conditions or nodeInfo", () => {
    const node = decode(
      encodeNode({ name: "bare", labels: {}, taints: [], capacity: {}, allocatable: {}, conditions: [] }),
    );
    expect(node).toEqual({ metadata: { name: "bare" }, spec: {}, status: {} });
  });

  it("keeps unicode keys and values intact", () => {
    const node = decode(
      encodeNode({
        ...fullNode,
        labels: { "example.com/zone": "zürich" },
        annotations: { "example.com/note": "ノード 🚀", "example.com/empty": "" },
        conditions: [{ type: "Ready", status: "False", message: "disk ≥ 95 % — 🔥" }],
      }),
    );
    expect(node.metadata.labels).toEqual({ "example.com/zone": "zürich" });
    expect(node.metadata.annotations).toEqual({ "example.com/note": "ノード 🚀", "example.com/empty": "" });
    expect(node.status.conditions).toEqual([{ type: "Ready", status: "False", message: "disk ≥ 95 % — 🔥" }]);
  });

  it("passes big and fractional quantities through as their exact strings", () => {
    const capacity = {
      memory: "9223372036854775807",
      "ephemeral-storage": "8Ei",
      cpu: "1.5",
      "example.com/x": "100m",
    };
    const node = decode(encodeNode({ ...fullNode, capacity, allocatable: capacity }));
    expect(node.status.capacity).toEqual(quantities(capacity));
    expect(node.status.allocatable).toEqual(quantities(capacity));
  });

  it("encodes times before 1970 with negative seconds and positive nanos", () => {
    const node = decode(
      encodeNode({
        ...fullNode,
        conditions: [{ type: "Ready", status: "True", lastHeartbeatTime: new Date(-1500) }],
      }),
    );
    expect(node.status.conditions[0].lastHeartbeatTime).toEqual({ seconds: "-2", nanos: 500_000_000 });
  });

  it("is deterministic: map keys in UTF-8 byte order whatever the insertion order", () => {
    const forward = { b: "2", a: "1", "\u{1F680}": "rocket", "\uFFFD": "replacement", "a/b": "3" };
    const backward = Object.fromEntries(Object.entries(forward).reverse());
    const first = encodeNode({ ...fullNode, labels: forward });
    const second = encodeNode({ ...fullNode, labels: backward });
    expect(Buffer.from(first).equals(Buffer.from(second))).toBe(true);
    // U+FFFD (EF BF BD) sorts before U+1F680 (F0 9F 9A 80) by bytes, though not by UTF-16 code units.
    expect(Object.keys(decode(first).metadata.labels)).toEqual(["a", "a/b", "b", "\uFFFD", "\u{1F680}"]);
  });

  it("refuses an invalid Date instead of writing a garbage timestamp", () => {
    expect(() =>
      encodeNode({
        ...fullNode,
        conditions: [{ type: "Ready", status: "True", lastHeartbeatTime: new Date(Number.NaN) }],
      }),
    ).toThrow(RangeError);
  });
});
