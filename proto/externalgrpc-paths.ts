/**
 * Where the agent's gRPC contracts live on disk, and the one set of
 * proto-loader options every loader of them (server, tests, tools) uses, so
 * message objects look the same everywhere: original field names (as CA's Go
 * code spells them), int64 as decimal strings, enums as their names, absent
 * scalars filled with defaults and oneofs named.
 */
import { fileURLToPath } from "node:url";
import type { Options } from "@grpc/proto-loader";

export const EXTERNALGRPC_PROTO_PATH = fileURLToPath(new URL("./externalgrpc.proto", import.meta.url));
export const HEALTH_PROTO_PATH = fileURLToPath(new URL("./grpc-health-v1.proto", import.meta.url));

/** Fully qualified names, as they appear in the gRPC method paths. */
export const CLOUD_PROVIDER_SERVICE = "clusterautoscaler.cloudprovider.v1.externalgrpc.CloudProvider";
export const HEALTH_SERVICE = "grpc.health.v1.Health";

export const PROTO_LOADER_OPTIONS: Readonly<Options> = Object.freeze({
  keepCase: true,
  longs: String,
  enums: String,
  defaults: true,
  oneofs: true,
});
