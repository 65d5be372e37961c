/**
 * Shared pieces of the grpc-*.test.ts files: a scriptable CloudProviderService
 * stub and clients built from the REFERENCE protos (what CA compiles against,
 * not our own proto).
 */
import * as grpc from "@grpc/grpc-js";
import * as protoLoader from "@grpc/proto-loader";
import type {
  AutoscalingOptions,
  CaNode,
  CloudProviderService,
  InstanceInfo,
  NodeGroupInfo,
} from "../../../agent/cloud-provider/types.ts";
import {
  HEALTH_PROTO_PATH,
  HEALTH_SERVICE,
  PROTO_LOADER_OPTIONS,
} from "../../../proto/externalgrpc-paths.ts";
import { createLogger, type Logger } from "../../../shared/logger.ts";
import { caServiceConstructor } from "../reference-protos.ts";

// biome-ignore lint/suspicious/noExplicitAny: responses are decoded from the wire and checked field by field
export type Decoded = any;

export interface CallRecord {
  method: string;
  args: unknown[];
}

/** Every method answers from `behaviour` (override per test) and records its arguments. */
export function stubService(
  overrides: Partial<CloudProviderService> = {},
): CloudProviderService & { calls: CallRecord[] } {
  const calls: CallRecord[] = [];
  const groups: NodeGroupInfo[] = [{ id: "default", minSize: 0, maxSize: 3, debug: "pool=default ready=1" }];
  const base: CloudProviderService = {
    nodeGroups: () => groups,
    nodeGroupForNode: (node: CaNode) => (node.providerId.startsWith("ksp://") ? groups[0]! : null),
    targetSize: () => 2,
    increaseSize: async () => {},
    deleteNodes: async () => {},
    decreaseTargetSize: async () => {},
    nodes: (): InstanceInfo[] => [],
    templateNodeInfo: () => new Uint8Array(),
    getOptions: () => null,
    gpuLabel: () => "nvidia.com/gpu.product",
    availableGpuTypes: () => [],
    nodePrice: () => null,
    refresh: async () => {},
    cleanup: async () => {},
  };
  const merged = { ...base, ...overrides };
  const recorded = Object.fromEntries(
    Object.entries(merged).map(([method, fn]) => [
      method,
      (...args: unknown[]) => {
        calls.push({ method, args });
        return (fn as (...a: unknown[]) => unknown)(...args);
      },
    ]),
  ) as unknown as CloudProviderService;
  return Object.assign(recorded, { calls });
}

export const DEFAULT_OPTIONS: AutoscalingOptions = {
  scaleDownUtilizationThreshold: 0.5,
  scaleDownGpuUtilizationThreshold: 0.5,
  scaleDownUnneededMs: 600_000,
  scaleDownUnreadyMs: 1_200_000,
  maxNodeProvisionMs: 900_000,
  zeroOrMaxNodeScaling: false,
  ignoreDaemonSetsUtilization: false,
};

export function captureLogger(): { logger: Logger; lines: Decoded[] } {
  const lines: Decoded[] = [];
  return { logger: createLogger({ level: "debug", sink: (line) => lines.push(JSON.parse(line)) }), lines };
}

let healthClient: grpc.ServiceClientConstructor | undefined;
function clientConstructor(kind: "current" | "legacy" | "health"): grpc.ServiceClientConstructor {
  if (kind !== "health") return caServiceConstructor(kind);
  healthClient ??= grpc.makeClientConstructor(
    protoLoader.loadSync(HEALTH_PROTO_PATH, PROTO_LOADER_OPTIONS)[HEALTH_SERVICE] as grpc.ServiceDefinition,
    HEALTH_SERVICE,
  );
  return healthClient;
}

export interface TestClient {
  call(method: string, request?: object, deadlineMs?: number): Promise<Decoded>;
  raw: grpc.Client;
  close(): void;
}

export function connect(
  kind: "current" | "legacy" | "health",
  port: number,
  credentials: grpc.ChannelCredentials = grpc.credentials.createInsecure(),
  options: grpc.ChannelOptions = {},
): TestClient {
  const Client = clientConstructor(kind);
  const raw = new Client(`127.0.0.1:${port}`, credentials, options);
  const client = raw as unknown as Record<string, (...args: unknown[]) => void>;
  return {
    raw,
    call: (method, request = {}, deadlineMs = 5000) =>
      new Promise((resolve, reject) =>
        client[method]!.call(
          raw,
          request,
          { deadline: Date.now() + deadlineMs },
          (err: Error | null, res: unknown) => (err ? reject(err) : resolve(res)),
        ),
      ),
    close: () => raw.close(),
  };
}

/** The rejection of a call, for asserting on its status code and message. */
export async function callError(promise: Promise<unknown>): Promise<grpc.ServiceError> {
  try {
    await promise;
  } catch (err) {
    return err as grpc.ServiceError;
  }
  throw new Error("expected the call to fail");
}
