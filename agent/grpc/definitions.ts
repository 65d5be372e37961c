/**
 * The service definitions the server registers, loaded once per process from
 * our protos. The CloudProvider methods get a request decoder that never
 * throws: bytes that are not a valid message decode to `MalformedRequest`,
 * which the handler adapter answers with INVALID_ARGUMENT like any other bad
 * input (grpc-js would answer a bare INTERNAL, past our metrics and logs).
 */
import type { MethodDefinition, ServiceDefinition } from "@grpc/grpc-js";
import { loadSync, type PackageDefinition } from "@grpc/proto-loader";
import {
  CLOUD_PROVIDER_SERVICE,
  EXTERNALGRPC_PROTO_PATH,
  HEALTH_PROTO_PATH,
  HEALTH_SERVICE,
  PROTO_LOADER_OPTIONS,
} from "../../proto/externalgrpc-paths.ts";

export class MalformedRequest {}

function serviceDefinition(pkg: PackageDefinition, name: string): ServiceDefinition {
  const definition = pkg[name] as ServiceDefinition | undefined;
  if (!definition) throw new Error(`${name} is missing from the loaded protos`);
  return definition;
}

function withLenientDecoding(definition: ServiceDefinition): ServiceDefinition {
  return Object.fromEntries(
    Object.entries(definition).map(([method, def]: [string, MethodDefinition<unknown, unknown>]) => [
      method,
      {
        ...def,
        requestDeserialize: (bytes: Buffer) => {
          try {
            return def.requestDeserialize(bytes);
          } catch {
            return new MalformedRequest();
          }
        },
      },
    ]),
  );
}

let cached: { cloudProvider: ServiceDefinition; health: ServiceDefinition } | undefined;

export function serviceDefinitions(): { cloudProvider: ServiceDefinition; health: ServiceDefinition } {
  cached ??= {
    cloudProvider: withLenientDecoding(
      serviceDefinition(loadSync(EXTERNALGRPC_PROTO_PATH, PROTO_LOADER_OPTIONS), CLOUD_PROVIDER_SERVICE),
    ),
    health: serviceDefinition(loadSync(HEALTH_PROTO_PATH, PROTO_LOADER_OPTIONS), HEALTH_SERVICE),
  };
  return cached;
}
