/**
 * One handler per externalgrpc RPC: decode the request object, call the
 * CloudProviderService, encode the answer. No pool or machine logic lives
 * here, and no status codes either: failures are AgentErrors that
 * agent/grpc/status-map.ts translates. The keys are the RPC names exactly as
 * in proto/externalgrpc.proto, so the server can check it serves all 15.
 */
import type {
  CloudProviderService,
  InstanceInfo,
  InstanceState,
  NodeGroupInfo,
} from "../cloud-provider/types.ts";
import { AgentError } from "../errors.ts";
import {
  readAutoscalingOptions,
  readTimestamp,
  requireGroupId,
  type SecondsNanos,
  toCaNode,
  type WireAutoscalingOptions,
  type WireNode,
  writeAutoscalingOptions,
} from "./codec.ts";

export interface CallContext {
  /** the client's deadline; undefined when it set none */
  deadline: Date | undefined;
}

// Request objects as the decoder produces them; everything optional because nothing on the wire is guaranteed.
interface IdRequest {
  id?: string;
}
interface DeltaRequest extends IdRequest {
  delta?: number;
}
interface NodeRequest {
  node?: WireNode | null;
}
interface DeleteNodesRequest extends IdRequest {
  nodes?: WireNode[];
}
interface NodePriceRequest extends NodeRequest {
  startTime?: SecondsNanos | null;
  endTime?: SecondsNanos | null;
  startTimestamp?: SecondsNanos | null;
  endTimestamp?: SecondsNanos | null;
}
interface OptionsRequest extends IdRequest {
  defaults?: WireAutoscalingOptions | null;
}

// biome-ignore lint/suspicious/noExplicitAny: requests arrive as untyped decoder output; each handler narrows its own
export type RpcHandler = (request: any, call: CallContext) => unknown | Promise<unknown>;

const WIRE_STATE: Record<InstanceState, string> = {
  running: "instanceRunning",
  creating: "instanceCreating",
  deleting: "instanceDeleting",
};

/** Returned for a node that is not ours: CA treats an empty id as "no group", an error would stall its loop. */
const NO_NODE_GROUP = { id: "", minSize: 0, maxSize: 0, debug: "" };

function wireNodeGroup(group: NodeGroupInfo) {
  return { id: group.id, minSize: group.minSize, maxSize: group.maxSize, debug: group.debug };
}

function wireInstance(instance: InstanceInfo) {
  return {
    id: instance.id,
    status: { instanceState: WIRE_STATE[instance.state], errorInfo: instance.errorInfo ?? null },
  };
}

function requireDelta(delta: number | undefined): number {
  if (typeof delta !== "number" || !Number.isInteger(delta)) {
    throw new AgentError("invalid_argument", "delta must be an integer");
  }
  return delta;
}

export function createCloudProviderHandlers(service: CloudProviderService): Record<string, RpcHandler> {
  return {
    NodeGroups: () => ({ nodeGroups: service.nodeGroups().map(wireNodeGroup) }),

    NodeGroupForNode: (req: NodeRequest) => {
      const group = service.nodeGroupForNode(toCaNode(req.node));
      return { nodeGroup: group ? wireNodeGroup(group) : NO_NODE_GROUP };
    },

    PricingNodePrice: (req: NodePriceRequest) => {
      const node = toCaNode(req.node);
      const start = readTimestamp(req.startTimestamp, req.startTime, "startTimestamp");
      const end = readTimestamp(req.endTimestamp, req.endTime, "endTimestamp");
      if (end < start) throw new AgentError("invalid_argument", "endTimestamp is before startTimestamp");
      const price = service.nodePrice(node, start, end);
      if (price === null) throw new AgentError("unimplemented", "no price is known for this node");
      return { price };
    },

    PricingPodPrice: () => {
      throw new AgentError("unimplemented", "pod pricing is not offered; node prices are per pool");
    },

    GPULabel: () => ({ label: service.gpuLabel() }),

    GetAvailableGPUTypes: () => ({
      // CA only reads the keys; the values are empty Any messages.
      gpuTypes: Object.fromEntries(
        service.availableGpuTypes().map((type) => [type, { type_url: "", value: Buffer.alloc(0) }]),
      ),
    }),

    Cleanup: async () => {
      await service.cleanup();
      return {};
    },

    Refresh: async () => {
      await service.refresh();
      return {};
    },

    NodeGroupTargetSize: (req: IdRequest) => ({ targetSize: service.targetSize(requireGroupId(req.id)) }),

    NodeGroupIncreaseSize: async (req: DeltaRequest, call) => {
      await service.increaseSize(requireGroupId(req.id), requireDelta(req.delta), call.deadline);
      return {};
    },

    NodeGroupDeleteNodes: async (req: DeleteNodesRequest, call) => {
      const id = requireGroupId(req.id);
      const wireNodes = req.nodes ?? [];
      if (wireNodes.length === 0)
        throw new AgentError("invalid_argument", "nodes: at least one node is required");
      const nodes = wireNodes.map((node, i) => toCaNode(node, `nodes[${i}]`));
      await service.deleteNodes(id, nodes, call.deadline);
      return {};
    },

    NodeGroupDecreaseTargetSize: async (req: DeltaRequest, call) => {
      await service.decreaseTargetSize(requireGroupId(req.id), requireDelta(req.delta), call.deadline);
      return {};
    },

    NodeGroupNodes: (req: IdRequest) => ({
      instances: service.nodes(requireGroupId(req.id)).map(wireInstance),
    }),

    NodeGroupTemplateNodeInfo: (req: IdRequest) => {
      const id = requireGroupId(req.id);
      const node = service.templateNodeInfo(id);
      // Empty bytes with OK make CA fail later and far from here; Unimplemented makes it fall back cleanly.
      if (node.length === 0) throw new AgentError("unimplemented", `no template node for node group ${id}`);
      // Field 1 (CA ≤ 1.34.1, embedded Node) and field 2 (later CAs, bytes) carry the same wire bytes.
      const bytes = Buffer.from(node.buffer, node.byteOffset, node.byteLength);
      return { nodeInfo: bytes, nodeBytes: bytes };
    },

    NodeGroupGetOptions: (req: OptionsRequest) => {
      const id = requireGroupId(req.id);
      const options = service.getOptions(id, readAutoscalingOptions(req.defaults));
      if (options === null)
        throw new AgentError("unimplemented", `node group ${id} sets no autoscaling options`);
      return { nodeGroupAutoscalingOptions: writeAutoscalingOptions(options) };
    },
  };
}
