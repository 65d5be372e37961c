import { existsSync } from "node:fs";
import path from "node:path";
import * as grpc from "@grpc/grpc-js";
import * as protoLoader from "@grpc/proto-loader";
import { describe, expect, it } from "vitest";
import {
  CLOUD_PROVIDER_SERVICE,
  EXTERNALGRPC_PROTO_PATH,
  HEALTH_PROTO_PATH,
  HEALTH_SERVICE,
  PROTO_LOADER_OPTIONS,
} from "../../../proto/externalgrpc-paths.ts";
import { CA_RPCS } from "../../support/reference-protos.ts";

describe("proto paths and loader options", () => {
  it("points at existing absolute files", () => {
    for (const file of [EXTERNALGRPC_PROTO_PATH, HEALTH_PROTO_PATH]) {
      expect(path.isAbsolute(file)).toBe(true);
      expect(existsSync(file)).toBe(true);
    }
  });

  it("uses the agreed loader options", () => {
    expect(PROTO_LOADER_OPTIONS).toEqual({
      keepCase: true,
      longs: String,
      enums: String,
      defaults: true,
      oneofs: true,
    });
  });
});

describe("proto-loader with PROTO_LOADER_OPTIONS", () => {
  const definition = protoLoader.loadSync(EXTERNALGRPC_PROTO_PATH, PROTO_LOADER_OPTIONS);
  const service = definition[CLOUD_PROVIDER_SERVICE] as protoLoader.ServiceDefinition;

  it("loads CloudProvider with its 15 unary methods at upstream paths", () => {
    expect(Object.keys(service)).toEqual(CA_RPCS);
    for (const name of CA_RPCS) {
      const method = service[name]!;
      expect(method.path).toBe(`/${CLOUD_PROVIDER_SERVICE}/${name}`);
      expect(method.requestStream || method.responseStream).toBe(false);
    }
    const loaded = grpc.loadPackageDefinition(definition) as grpc.GrpcObject;
    const clientConstructor = CLOUD_PROVIDER_SERVICE.split(".").reduce<unknown>(
      (namespace, part) => (namespace as Record<string, unknown>)[part],
      loaded,
    );
    expect(typeof clientConstructor).toBe("function");
  });

  it("turns int64 into strings, enums into names and fills defaults", () => {
    const options = service.NodeGroupGetOptions!;
    const decoded = options.responseDeserialize(
      options.responseSerialize({
        nodeGroupAutoscalingOptions: {
          scaleDownUnneededTime: { duration: "600000000000" },
          scaleDownUnneededDuration: { seconds: "600", nanos: 0 },
        },
      }),
    );
    expect(decoded).toHaveProperty("nodeGroupAutoscalingOptions");
    expect((decoded as { nodeGroupAutoscalingOptions: unknown }).nodeGroupAutoscalingOptions).toMatchObject({
      scaleDownUtilizationThreshold: 0,
      zeroOrMaxNodeScaling: false,
      scaleDownUnneededTime: { duration: "600000000000" },
      scaleDownUnneededDuration: { seconds: "600", nanos: 0 },
      MaxNodeProvisionDuration: null,
    });

    const nodes = service.NodeGroupNodes!;
    const instances = nodes.responseDeserialize(
      nodes.responseSerialize({
        instances: [{ id: "ksp://m1", status: { instanceState: "instanceCreating" } }],
      }),
    );
    expect(instances).toEqual({
      instances: [{ id: "ksp://m1", status: { instanceState: "instanceCreating", errorInfo: null } }],
    });
  });

  it("loads grpc.health.v1.Health with unary Check and server-streaming Watch", () => {
    const health = protoLoader.loadSync(HEALTH_PROTO_PATH, PROTO_LOADER_OPTIONS)[
      HEALTH_SERVICE
    ] as protoLoader.ServiceDefinition;
    expect(Object.keys(health)).toEqual(["Check", "Watch"]);
    expect(health.Check!.path).toBe("/grpc.health.v1.Health/Check");
    expect(health.Check!.responseStream).toBe(false);
    expect(health.Watch!.path).toBe("/grpc.health.v1.Health/Watch");
    expect(health.Watch!.responseStream).toBe(true);
    const reply = health.Check!.responseDeserialize(
      health.Check!.responseSerialize({ status: "NOT_SERVING" }),
    );
    expect(reply).toEqual({ status: "NOT_SERVING" });
  });
});
