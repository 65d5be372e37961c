/**
 * The contract between Cluster Autoscaler's externalgrpc transport
 * (agent/grpc/) and the agent's domain (agent/cloud-provider/). The transport
 * decodes a request, calls one method here and encodes the answer; it knows
 * nothing about pools or machines. The domain knows nothing about gRPC: it
 * throws `AgentError` (agent/errors.ts), which the transport maps to a status
 * code through one table.
 *
 * Read methods (everything but increaseSize, deleteNodes, decreaseTargetSize,
 * refresh) answer from memory and never do network I/O.
 */

/** A node as CA describes it (externalgrpc ExternalGrpcNode). */
export interface CaNode {
  providerId: string;
  name: string;
  labels: Record<string, string>;
  annotations: Record<string, string>;
}

export interface NodeGroupInfo {
  /** the pool's name */
  id: string;
  minSize: number;
  maxSize: number;
  /** human-readable counts, e.g. "pool=gpu ready=3 joining=1 reserved=0 draining=0 fault=0" */
  debug: string;
}

export type InstanceState = "running" | "creating" | "deleting";

/** externalgrpc InstanceErrorInfo.instanceErrorClass */
export const INSTANCE_ERROR_CLASS = { outOfResources: 1, other: 99 } as const;

export interface InstanceInfo {
  /** the providerID, e.g. ksp://<machine-id> */
  id: string;
  state: InstanceState;
  errorInfo?: { errorCode: string; errorMessage: string; instanceErrorClass: number };
}

/**
 * CA's node-group options in the agent's own units. Durations in
 * milliseconds; the transport writes them in both the current
 * (google.protobuf.Duration, fields 8-10) and legacy (meta/v1 Duration in
 * nanoseconds, fields 3-5) layouts.
 */
export interface AutoscalingOptions {
  scaleDownUtilizationThreshold: number;
  scaleDownGpuUtilizationThreshold: number;
  scaleDownUnneededMs: number;
  scaleDownUnreadyMs: number;
  maxNodeProvisionMs: number;
  zeroOrMaxNodeScaling: boolean;
  ignoreDaemonSetsUtilization: boolean;
}

export interface CloudProviderService {
  /** the enabled pools */
  nodeGroups(): NodeGroupInfo[];
  /** null: not ours (unmanaged node) — never an error */
  nodeGroupForNode(node: CaNode): NodeGroupInfo | null;
  targetSize(groupId: string): number;
  /** allocates through the control plane (idempotent request id); resolves once machines are reserved */
  increaseSize(groupId: string, delta: number, deadline?: Date): Promise<void>;
  deleteNodes(groupId: string, nodes: CaNode[], deadline?: Date): Promise<void>;
  /** delta < 0; cancels only reserved or joining machines */
  decreaseTargetSize(groupId: string, delta: number, deadline?: Date): Promise<void>;
  nodes(groupId: string): InstanceInfo[];
  /** an encoded v1.Node (proto/k8s-node.ts); throws unimplemented when none can be built */
  templateNodeInfo(groupId: string): Uint8Array;
  /** null: the pool sets no options → the transport answers Unimplemented */
  getOptions(groupId: string, defaults: AutoscalingOptions): AutoscalingOptions | null;
  gpuLabel(): string;
  availableGpuTypes(): string[];
  /** null → Unimplemented (no pool declares a price, or the node is not ours) */
  nodePrice(node: CaNode, start: Date, end: Date): number | null;
  /** kicks a sync with the control plane; never rejects because the control plane is down */
  refresh(): Promise<void>;
  cleanup(): Promise<void>;
}
