/**
 * Encodes the part of a Kubernetes `v1.Node` that Cluster Autoscaler reads
 * from a template node, in the protobuf form of k8s.io/api/core/v1
 * generated.proto (proto2). The output is a plain `v1.Node` message, the same
 * as Go's `Node.Marshal()`: no `k8s\0` envelope, which only the API server's
 * content negotiation adds and CA's `Unmarshal` would reject.
 *
 * Field numbers below come from the Kubernetes protos; fields are written in
 * ascending number order and map keys in byte order, so output is
 * deterministic.
 */
import { ProtobufWriter } from "./protobuf-writer.ts";

export interface NodeTaint {
  key: string;
  value?: string;
  /** NoSchedule, PreferNoSchedule or NoExecute. */
  effect: string;
}

export interface NodeCondition {
  type: string;
  /** "True", "False" or "Unknown". */
  status: string;
  reason?: string;
  message?: string;
  lastHeartbeatTime?: Date;
  lastTransitionTime?: Date;
}

export interface NodeSystemInfo {
  architecture: string;
  operatingSystem: string;
  kubeletVersion: string;
  containerRuntimeVersion: string;
  osImage: string;
  kernelVersion: string;
}

/** The Node fields we emit. Resource maps hold Kubernetes quantity strings ("4", "16Gi", "100m"). */
export interface NodeSubset {
  name: string;
  labels: Readonly<Record<string, string>>;
  annotations?: Readonly<Record<string, string>>;
  providerId?: string;
  taints: readonly NodeTaint[];
  capacity: Readonly<Record<string, string>>;
  allocatable: Readonly<Record<string, string>>;
  conditions: readonly NodeCondition[];
  nodeInfo?: NodeSystemInfo;
}

// k8s.io.api.core.v1.Node
const NODE = { metadata: 1, spec: 2, status: 3 } as const;
// k8s.io.apimachinery.pkg.apis.meta.v1.ObjectMeta
const OBJECT_META = { name: 1, labels: 11, annotations: 12 } as const;
// k8s.io.api.core.v1.NodeSpec
const NODE_SPEC = { providerID: 3, taints: 5 } as const;
// k8s.io.api.core.v1.Taint
const TAINT = { key: 1, value: 2, effect: 3 } as const;
// k8s.io.api.core.v1.NodeStatus
const NODE_STATUS = { capacity: 1, allocatable: 2, conditions: 4, nodeInfo: 7 } as const;
// k8s.io.api.core.v1.NodeCondition
const CONDITION = {
  type: 1,
  status: 2,
  lastHeartbeatTime: 3,
  lastTransitionTime: 4,
  reason: 5,
  message: 6,
} as const;
// k8s.io.api.core.v1.NodeSystemInfo
const SYSTEM_INFO = {
  kernelVersion: 4,
  osImage: 5,
  containerRuntimeVersion: 6,
  kubeletVersion: 7,
  operatingSystem: 9,
  architecture: 10,
} as const;
// k8s.io.apimachinery.pkg.api.resource.Quantity has a single field: `string = 1`.
const QUANTITY_STRING = 1;
// k8s.io.apimachinery.pkg.apis.meta.v1.Time is encoded like google.protobuf.Timestamp.
const TIME = { seconds: 1, nanos: 2 } as const;

export function encodeNode(node: NodeSubset): Uint8Array {
  return new ProtobufWriter()
    .message(NODE.metadata, (meta) => writeObjectMeta(meta, node))
    .message(NODE.spec, (spec) => writeSpec(spec, node))
    .message(NODE.status, (status) => writeStatus(status, node))
    .finish();
}

function writeObjectMeta(meta: ProtobufWriter, node: NodeSubset): void {
  meta
    .string(OBJECT_META.name, node.name)
    .map(OBJECT_META.labels, node.labels, writeStringValue)
    .map(OBJECT_META.annotations, node.annotations ?? {}, writeStringValue);
}

function writeSpec(spec: ProtobufWriter, node: NodeSubset): void {
  spec.string(NODE_SPEC.providerID, node.providerId);
  for (const taint of node.taints) {
    spec.message(NODE_SPEC.taints, (t) =>
      t.string(TAINT.key, taint.key).string(TAINT.value, taint.value).string(TAINT.effect, taint.effect),
    );
  }
}

function writeStatus(status: ProtobufWriter, node: NodeSubset): void {
  status
    .map(NODE_STATUS.capacity, node.capacity, writeQuantityValue)
    .map(NODE_STATUS.allocatable, node.allocatable, writeQuantityValue);
  for (const condition of node.conditions) {
    status.message(NODE_STATUS.conditions, (c) => writeCondition(c, condition));
  }
  const info = node.nodeInfo;
  if (info) {
    status.message(NODE_STATUS.nodeInfo, (i) =>
      i
        .string(SYSTEM_INFO.kernelVersion, info.kernelVersion)
        .string(SYSTEM_INFO.osImage, info.osImage)
        .string(SYSTEM_INFO.containerRuntimeVersion, info.containerRuntimeVersion)
        .string(SYSTEM_INFO.kubeletVersion, info.kubeletVersion)
        .string(SYSTEM_INFO.operatingSystem, info.operatingSystem)
        .string(SYSTEM_INFO.architecture, info.architecture),
    );
  }
}

function writeCondition(writer: ProtobufWriter, condition: NodeCondition): void {
  writer.string(CONDITION.type, condition.type).string(CONDITION.status, condition.status);
  writeTime(writer, CONDITION.lastHeartbeatTime, condition.lastHeartbeatTime, condition.type);
  writeTime(writer, CONDITION.lastTransitionTime, condition.lastTransitionTime, condition.type);
  writer.string(CONDITION.reason, condition.reason).string(CONDITION.message, condition.message);
}

function writeTime(
  writer: ProtobufWriter,
  field: number,
  time: Date | undefined,
  conditionType: string,
): void {
  if (time === undefined) return;
  const millis = time.getTime();
  // An invalid Date is a programming error upstream; refuse it rather than emit a garbage timestamp.
  if (!Number.isFinite(millis)) throw new RangeError(`node condition ${conditionType}: invalid Date`);
  const seconds = Math.floor(millis / 1000);
  const nanos = (millis - seconds * 1000) * 1_000_000;
  writer.message(field, (t) => t.int64(TIME.seconds, seconds).int32(TIME.nanos, nanos));
}

function writeStringValue(entry: ProtobufWriter, value: string): void {
  entry.string(2, value);
}

function writeQuantityValue(entry: ProtobufWriter, quantity: string): void {
  entry.message(2, (q) => q.string(QUANTITY_STRING, quantity));
}
