/**
 * The upstream contracts the emulator speaks, loaded from the vendored copies
 * in test/fixtures/reference — never from our own proto/, so a field our
 * proto got wrong shows up as a wire mismatch instead of cancelling out.
 *
 * - gRPC: @grpc/proto-loader over the current (CA ≥ 1.35) or the CA 1.34.1
 *   legacy externalgrpc.proto, include path = the reference directory (the
 *   legacy file imports the Kubernetes protos), with the same loader options
 *   CA-facing code in this repo uses.
 * - Kubernetes: protobufjs over k8s.io/api/core/v1/generated.proto, to decode
 *   the template node's `nodeBytes` the way Go's `v1.Node#Unmarshal` would.
 */
import { existsSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import * as grpc from "@grpc/grpc-js";
import * as protoLoader from "@grpc/proto-loader";
import protobuf from "protobufjs";

export const REFERENCE_DIR = fileURLToPath(new URL("../../fixtures/reference/", import.meta.url));

export type CaProtoVersion = "current" | "legacy";

export const CA_PROTO_FILES: Readonly<Record<CaProtoVersion, string>> = {
  current: "externalgrpc/externalgrpc.proto",
  legacy: "externalgrpc/externalgrpc-ca-1.34.1-legacy.proto",
};

export const CA_SERVICE_NAME = "clusterautoscaler.cloudprovider.v1.externalgrpc.CloudProvider";

/** proto-loader options: CA's field names, int64 as strings, enums by name, absent fields defaulted. */
export const CA_LOADER_OPTIONS: protoLoader.Options = {
  keepCase: true,
  longs: String,
  enums: String,
  defaults: true,
  oneofs: true,
  includeDirs: [REFERENCE_DIR],
};

const serviceCache = new Map<CaProtoVersion, grpc.ServiceClientConstructor>();

/** The generated client constructor (and, through `.service`, the service definition) for one CA version. */
export function caServiceConstructor(version: CaProtoVersion): grpc.ServiceClientConstructor {
  const cached = serviceCache.get(version);
  if (cached) return cached;
  const definition = protoLoader.loadSync(CA_PROTO_FILES[version], CA_LOADER_OPTIONS);
  const loaded = grpc.loadPackageDefinition(definition);
  let node: unknown = loaded;
  for (const part of CA_SERVICE_NAME.split(".")) node = (node as Record<string, unknown>)[part];
  if (typeof node !== "function")
    throw new Error(`${CA_SERVICE_NAME} not found in ${CA_PROTO_FILES[version]}`);
  const ctor = node as grpc.ServiceClientConstructor;
  serviceCache.set(version, ctor);
  return ctor;
}

let k8sNodeType: protobuf.Type | undefined;

/** k8s.io.api.core.v1.Node from the reference generated.proto (proto2). */
export function k8sNodeMessageType(): protobuf.Type {
  if (k8sNodeType) return k8sNodeType;
  const root = new protobuf.Root();
  root.resolvePath = (_origin, target) => {
    if (path.isAbsolute(target)) return target;
    const resolved = path.join(REFERENCE_DIR, target);
    if (!existsSync(resolved)) throw new Error(`reference proto import not found: ${target}`);
    return resolved;
  };
  root.loadSync("k8s.io/api/core/v1/generated.proto", { keepCase: true });
  root.resolveAll();
  k8sNodeType = root.lookupType("k8s.io.api.core.v1.Node");
  return k8sNodeType;
}
