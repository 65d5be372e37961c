/**
 * The upstream contracts vendored in test/fixtures/reference, loaded for tests,
 * the CA emulator and the benches — never our own proto/, so a field our proto
 * got wrong shows up as a wire mismatch instead of cancelling out.
 *
 * - protobufjs roots (`loadReference`), imports resolved the way protoc would
 *   with the reference directory as include path: for comparing layouts field
 *   by field and for decoding Kubernetes objects as Go would.
 * - @grpc/proto-loader service definitions and client constructors for each
 *   externalgrpc layout, with the loader options every CA-facing loader in
 *   this repo uses (proto/externalgrpc-paths.ts).
 */
import { existsSync } from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";
import { fileURLToPath } from "node:url";
import * as grpc from "@grpc/grpc-js";
import * as protoLoader from "@grpc/proto-loader";
import protobuf from "protobufjs";
import { PROTO_LOADER_OPTIONS } from "../../proto/externalgrpc-paths.ts";

export const REFERENCE_DIR = fileURLToPath(new URL("../fixtures/reference/", import.meta.url));
// protobufjs bundles most google/protobuf files, but not descriptor.proto (upstream imports it).
const PROTOBUFJS_DIR = path.dirname(createRequire(import.meta.url).resolve("protobufjs/package.json"));

export const REFERENCE_FILES = {
  current: "externalgrpc/externalgrpc.proto",
  transitional: "externalgrpc/externalgrpc-ca-1.34.5-transitional.proto",
  legacy: "externalgrpc/externalgrpc-ca-1.34.1-legacy.proto",
  k8sCore: "k8s.io/api/core/v1/generated.proto",
} as const;

/** The externalgrpc layouts CA has shipped: ≥ 1.35, 1.34.5, ≤ 1.34.1. */
export type ExternalgrpcLayout = "current" | "transitional" | "legacy";

export const EXTERNALGRPC_PACKAGE = "clusterautoscaler.cloudprovider.v1.externalgrpc";
export const CA_SERVICE_NAME = `${EXTERNALGRPC_PACKAGE}.CloudProvider`;

/** The CloudProvider's 15 unary RPCs, in upstream declaration order. */
export const CA_RPCS = [
  "NodeGroups",
  "NodeGroupForNode",
  "PricingNodePrice",
  "PricingPodPrice",
  "GPULabel",
  "GetAvailableGPUTypes",
  "Cleanup",
  "Refresh",
  "NodeGroupTargetSize",
  "NodeGroupIncreaseSize",
  "NodeGroupDeleteNodes",
  "NodeGroupDecreaseTargetSize",
  "NodeGroupNodes",
  "NodeGroupTemplateNodeInfo",
  "NodeGroupGetOptions",
] as const;
export type CaRpc = (typeof CA_RPCS)[number];

function resolveInclude(origin: string, target: string): string {
  if (path.isAbsolute(target)) return target;
  const inReference = path.join(REFERENCE_DIR, target);
  if (existsSync(inReference)) return inReference;
  const inProtobufjs = path.join(PROTOBUFJS_DIR, target);
  if (existsSync(inProtobufjs)) return inProtobufjs;
  throw new Error(`cannot resolve import "${target}" (from ${origin})`);
}

/** Loads one or more files with protobufjs; relative names are taken from the reference directory. */
export function loadProtoRoot(...files: string[]): protobuf.Root {
  const root = new protobuf.Root();
  root.resolvePath = resolveInclude;
  root.loadSync(
    files.map((file) => resolveInclude("(test)", file)),
    { keepCase: true },
  );
  root.resolveAll();
  return root;
}

const roots = new Map<keyof typeof REFERENCE_FILES, protobuf.Root>();

/** One reference file as a resolved protobufjs root (loaded once; treat it as read-only). */
export function loadReference(which: keyof typeof REFERENCE_FILES): protobuf.Root {
  let root = roots.get(which);
  if (!root) {
    root = loadProtoRoot(REFERENCE_FILES[which]);
    roots.set(which, root);
  }
  return root;
}

/** k8s.io.api.core.v1.Node from the reference generated.proto (proto2), to decode as Go's `v1.Node#Unmarshal`. */
export function k8sNodeMessageType(): protobuf.Type {
  return loadReference("k8sCore").lookupType("k8s.io.api.core.v1.Node");
}

/** proto-loader options for the reference files: ours, plus the reference directory as include path. */
export const REFERENCE_LOADER_OPTIONS: Readonly<protoLoader.Options> = Object.freeze({
  ...PROTO_LOADER_OPTIONS,
  includeDirs: [REFERENCE_DIR],
});

const packages = new Map<ExternalgrpcLayout, protoLoader.PackageDefinition>();

export function referencePackageDefinition(layout: ExternalgrpcLayout): protoLoader.PackageDefinition {
  let definition = packages.get(layout);
  if (!definition) {
    definition = protoLoader.loadSync(REFERENCE_FILES[layout], { ...REFERENCE_LOADER_OPTIONS });
    packages.set(layout, definition);
  }
  return definition;
}

/** The CloudProvider service (method paths, serializers) as one upstream layout declares it. */
export function referenceServiceDefinition(layout: ExternalgrpcLayout): protoLoader.ServiceDefinition {
  const service = referencePackageDefinition(layout)[CA_SERVICE_NAME];
  if (!service) throw new Error(`${CA_SERVICE_NAME} not found in ${REFERENCE_FILES[layout]}`);
  return service as protoLoader.ServiceDefinition;
}

const constructors = new Map<ExternalgrpcLayout, grpc.ServiceClientConstructor>();

/** The generated client constructor (and, through `.service`, the service definition) for one layout. */
export function caServiceConstructor(layout: ExternalgrpcLayout): grpc.ServiceClientConstructor {
  let ctor = constructors.get(layout);
  if (!ctor) {
    ctor = grpc.makeClientConstructor(referenceServiceDefinition(layout), CA_SERVICE_NAME);
    constructors.set(layout, ctor);
  }
  return ctor;
}
