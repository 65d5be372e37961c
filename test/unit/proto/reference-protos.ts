/**
 * Loads the vendored upstream protos (test/fixtures/reference) with protobufjs,
 * resolving imports the way protoc would with that directory as include path.
 */
import { existsSync } from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";
import { fileURLToPath } from "node:url";
import protobuf from "protobufjs";

export const REFERENCE_DIR = fileURLToPath(new URL("../../fixtures/reference/", import.meta.url));
// protobufjs bundles most google/protobuf files, but not descriptor.proto (upstream imports it).
const PROTOBUFJS_DIR = path.dirname(createRequire(import.meta.url).resolve("protobufjs/package.json"));

export const REFERENCE_FILES = {
  current: "externalgrpc/externalgrpc.proto",
  transitional: "externalgrpc/externalgrpc-ca-1.34.5-transitional.proto",
  legacy: "externalgrpc/externalgrpc-ca-1.34.1-legacy.proto",
  k8sCore: "k8s.io/api/core/v1/generated.proto",
} as const;

export const EXTERNALGRPC_PACKAGE = "clusterautoscaler.cloudprovider.v1.externalgrpc";

function resolveInclude(origin: string, target: string): string {
  if (path.isAbsolute(target)) return target;
  const inReference = path.join(REFERENCE_DIR, target);
  if (existsSync(inReference)) return inReference;
  const inProtobufjs = path.join(PROTOBUFJS_DIR, target);
  if (existsSync(inProtobufjs)) return inProtobufjs;
  throw new Error(`cannot resolve import "${target}" (from ${origin})`);
}

/** Loads one or more files; relative names are taken from the reference directory. */
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

export function loadReference(which: keyof typeof REFERENCE_FILES): protobuf.Root {
  return loadProtoRoot(REFERENCE_FILES[which]);
}
