/**
 * Bytes written with our proto (through proto-loader, as the agent's server
 * does) read by clients built from each upstream layout, and the reverse for
 * requests: every CA version must see what it expects.
 */
import * as protoLoader from "@grpc/proto-loader";
import { describe, expect, it } from "vitest";
import {
  CLOUD_PROVIDER_SERVICE,
  EXTERNALGRPC_PROTO_PATH,
  PROTO_LOADER_OPTIONS,
} from "../../../proto/externalgrpc-paths.ts";
import { encodeNode, type NodeSubset } from "../../../proto/k8s-node.ts";
import {
  EXTERNALGRPC_PACKAGE,
  loadReference,
  referenceServiceDefinition,
} from "../../support/reference-protos.ts";

// biome-ignore lint/suspicious/noExplicitAny: decoded messages are checked field by field below.
type Decoded = any;

function readResponse(service: protoLoader.ServiceDefinition, method: string, wire: Buffer): Decoded {
  return service[method]!.responseDeserialize(wire);
}

function readRequest(service: protoLoader.ServiceDefinition, method: string, wire: Buffer): Decoded {
  return service[method]!.requestDeserialize(wire);
}

const ours = protoLoader.loadSync(EXTERNALGRPC_PROTO_PATH, PROTO_LOADER_OPTIONS)[
  CLOUD_PROVIDER_SERVICE
] as protoLoader.ServiceDefinition;
const current = referenceServiceDefinition("current");
const transitional = referenceServiceDefinition("transitional");
const legacy = referenceServiceDefinition("legacy");

const templateNode: NodeSubset = {
  name: "template-default-1",
  labels: { "kubernetes.io/os": "linux", "kube-static-pool.io/pool": "default" },
  providerId: "ksp://template",
  taints: [{ key: "dedicated", value: "batch", effect: "NoSchedule" }],
  capacity: { cpu: "8", memory: "32Gi", pods: "110" },
  allocatable: { cpu: "7800m", memory: "30Gi", pods: "110" },
  conditions: [{ type: "Ready", status: "True", lastTransitionTime: new Date("2025-01-01T00:00:00Z") }],
  nodeInfo: {
    architecture: "amd64",
    operatingSystem: "linux",
    kubeletVersion: "v1.33.1",
    containerRuntimeVersion: "containerd://2.0.5",
    osImage: "Debian GNU/Linux 12",
    kernelVersion: "6.1.0-35-amd64",
  },
};

describe("NodeGroupTemplateNodeInfoResponse with the same Node in fields 1 and 2", () => {
  const nodeBytes = encodeNode(templateNode);
  const wire = ours.NodeGroupTemplateNodeInfo!.responseSerialize({ nodeInfo: nodeBytes, nodeBytes });

  it("decodes as a full embedded Node in field 1 for CA <= 1.34.1", () => {
    const legacyRoot = loadReference("legacy");
    const Response = legacyRoot.lookupType(`${EXTERNALGRPC_PACKAGE}.NodeGroupTemplateNodeInfoResponse`);
    const Node = legacyRoot.lookupType("k8s.io.api.core.v1.Node");
    const asObject = { longs: String, defaults: false };
    const embedded = Response.toObject(Response.decode(wire), asObject).nodeInfo;
    expect(embedded).toEqual(Node.toObject(Node.decode(nodeBytes), asObject));
    expect(embedded.metadata.labels).toEqual(templateNode.labels);

    // What a proto-loader based client (our CA emulator) sees.
    const viaLoader = readResponse(legacy, "NodeGroupTemplateNodeInfo", wire);
    expect(viaLoader.nodeInfo.metadata.name).toBe("template-default-1");
    expect(viaLoader.nodeInfo.spec.providerID).toBe("ksp://template");
    expect(viaLoader.nodeInfo.status.allocatable.cpu).toEqual({ string: "7800m" });
  });

  it("decodes as nodeBytes in field 2 for CA >= 1.35, and as both for CA 1.34.2-1.34.5", () => {
    const fromCurrent = readResponse(current, "NodeGroupTemplateNodeInfo", wire);
    expect(Buffer.from(fromCurrent.nodeBytes).equals(Buffer.from(nodeBytes))).toBe(true);
    expect(fromCurrent.nodeInfo).toBeUndefined();

    const fromTransitional = readResponse(transitional, "NodeGroupTemplateNodeInfo", wire);
    expect(Buffer.from(fromTransitional.nodeBytes).equals(Buffer.from(nodeBytes))).toBe(true);
    expect(fromTransitional.nodeInfo.status.capacity.memory).toEqual({ string: "32Gi" });
  });
});

describe("NodeGroupAutoscalingOptions in both duration generations", () => {
  const tenMinutes = { legacy: { duration: "600000000000" }, current: { seconds: "600", nanos: 0 } };

  it("reaches old CAs through fields 3-5 and new ones through 8-10", () => {
    const wire = ours.NodeGroupGetOptions!.responseSerialize({
      nodeGroupAutoscalingOptions: {
        scaleDownUtilizationThreshold: 0.5,
        scaleDownUnneededTime: tenMinutes.legacy,
        scaleDownUnneededDuration: tenMinutes.current,
      },
    });
    const old = readResponse(legacy, "NodeGroupGetOptions", wire).nodeGroupAutoscalingOptions;
    expect(old.scaleDownUnneededTime).toEqual({ duration: "600000000000" });
    expect(old.scaleDownUtilizationThreshold).toBe(0.5);
    const now = readResponse(current, "NodeGroupGetOptions", wire).nodeGroupAutoscalingOptions;
    expect(now.scaleDownUnneededDuration).toEqual({ seconds: "600", nanos: 0 });
  });

  it("reads the defaults an old CA sends as meta/v1 Durations", () => {
    const wire = legacy.NodeGroupGetOptions!.requestSerialize({
      id: "default",
      defaults: {
        scaleDownUnreadyTime: { duration: "1200000000000" },
        MaxNodeProvisionTime: { duration: "900000000000" },
      },
    });
    const request = readRequest(ours, "NodeGroupGetOptions", wire);
    expect(request.defaults.scaleDownUnreadyTime).toEqual({ duration: "1200000000000" });
    expect(request.defaults.MaxNodeProvisionTime).toEqual({ duration: "900000000000" });
    expect(request.defaults.scaleDownUnreadyDuration).toBeNull();
  });
});

describe("pricing requests from old and new CAs", () => {
  const start = { seconds: "1735689600", nanos: 250_000_000 };
  const end = { seconds: "1735693200", nanos: 0 };

  it("reads meta/v1 Time fields 2-3 and Timestamp fields 4-5 of PricingNodePrice", () => {
    const fromOld = readRequest(
      ours,
      "PricingNodePrice",
      legacy.PricingNodePrice!.requestSerialize({ node: { name: "n1" }, startTime: start, endTime: end }),
    );
    expect(fromOld).toMatchObject({ startTime: start, endTime: end, startTimestamp: null });
    const fromNew = readRequest(
      ours,
      "PricingNodePrice",
      current.PricingNodePrice!.requestSerialize({
        node: { name: "n1" },
        startTimestamp: start,
        endTimestamp: end,
      }),
    );
    expect(fromNew).toMatchObject({ startTimestamp: start, endTimestamp: end, startTime: null });
  });

  it("receives the legacy embedded Pod of PricingPodPrice as its raw encoding", () => {
    const wire = legacy.PricingPodPrice!.requestSerialize({
      pod: { metadata: { name: "web-0" } },
      startTime: start,
    });
    const request = readRequest(ours, "PricingPodPrice", wire);
    const Pod = loadReference("k8sCore").lookupType("k8s.io.api.core.v1.Pod");
    expect(Pod.toObject(Pod.decode(request.pod))).toEqual({ metadata: { name: "web-0" } });
    expect(request.startTime).toEqual(start);
  });
});
