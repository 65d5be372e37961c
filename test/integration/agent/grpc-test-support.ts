/**
 * Shared pieces of the grpc-*.test.ts files: a scriptable CloudProviderService
 * stub, clients built from the REFERENCE protos (what CA compiles against,
 * not our own proto), and an openssl-made PKI for the TLS tests.
 */
import { execFile } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import * as grpc from "@grpc/grpc-js";
import * as protoLoader from "@grpc/proto-loader";
import type {
  AutoscalingOptions,
  CaNode,
  CloudProviderService,
  InstanceInfo,
  NodeGroupInfo,
} from "../../../agent/cloud-provider/types.ts";
import { createLogger, type Logger } from "../../../agent/log.ts";
import {
  CLOUD_PROVIDER_SERVICE,
  HEALTH_PROTO_PATH,
  PROTO_LOADER_OPTIONS,
} from "../../../proto/externalgrpc-paths.ts";

export const REFERENCE_DIR = path.resolve(import.meta.dirname, "../../fixtures/reference");
export const REFERENCE_PROTOS = {
  current: "externalgrpc/externalgrpc.proto",
  legacy: "externalgrpc/externalgrpc-ca-1.34.1-legacy.proto",
} as const;

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

type ClientConstructor = typeof grpc.Client & { service: grpc.ServiceDefinition };

function loadClient(file: string, serviceName: string): ClientConstructor {
  const definition = protoLoader.loadSync(file, { ...PROTO_LOADER_OPTIONS, includeDirs: [REFERENCE_DIR] });
  return grpc.makeGenericClientConstructor(
    definition[serviceName] as grpc.ServiceDefinition,
    serviceName,
  ) as unknown as ClientConstructor;
}

let clients: Record<"current" | "legacy" | "health", ClientConstructor> | undefined;
function clientConstructors() {
  clients ??= {
    current: loadClient(path.join(REFERENCE_DIR, REFERENCE_PROTOS.current), CLOUD_PROVIDER_SERVICE),
    legacy: loadClient(path.join(REFERENCE_DIR, REFERENCE_PROTOS.legacy), CLOUD_PROVIDER_SERVICE),
    health: loadClient(HEALTH_PROTO_PATH, "grpc.health.v1.Health"),
  };
  return clients;
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
  const Client = clientConstructors()[kind];
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

const run = promisify(execFile);

export interface TestPki {
  dir: string;
  file(name: string): string;
  /** issues `${name}.crt`/`${name}.key` signed by the CA `ca` ("ca" or "other-ca") */
  issue(name: string, options: { ca: string; commonName: string; clientAuth?: boolean }): Promise<void>;
  remove(): void;
}

/** A throwaway PKI: two unrelated CAs ("ca", "other-ca"), certificates issued on demand. */
export async function createTestPki(): Promise<TestPki> {
  const dir = mkdtempSync(path.join(tmpdir(), "ksp-grpc-pki-"));
  const file = (name: string) => path.join(dir, name);
  for (const ca of ["ca", "other-ca"]) {
    await run("openssl", [
      ...["req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"],
      ...[
        "-keyout",
        file(`${ca}.key`),
        "-out",
        file(`${ca}.crt`),
        "-days",
        "2",
        "-subj",
        `/CN=ksp test ${ca}`,
      ],
    ]);
  }
  return {
    dir,
    file,
    async issue(name, { ca, commonName, clientAuth }) {
      const ext = file(`${name}.ext`);
      writeFileSync(
        ext,
        clientAuth
          ? "extendedKeyUsage=clientAuth\n"
          : "extendedKeyUsage=serverAuth\nsubjectAltName=DNS:localhost,IP:127.0.0.1\n",
      );
      await run("openssl", [
        ...["req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"],
        ...["-keyout", file(`${name}.key`), "-out", file(`${name}.csr`), "-subj", `/CN=${commonName}`],
      ]);
      await run("openssl", [
        ...[
          "x509",
          "-req",
          "-in",
          file(`${name}.csr`),
          "-CA",
          file(`${ca}.crt`),
          "-CAkey",
          file(`${ca}.key`),
        ],
        ...["-CAcreateserial", "-out", file(`${name}.crt`), "-days", "2", "-extfile", ext],
      ]);
    },
    remove: () => rmSync(dir, { recursive: true, force: true }),
  };
}

export async function opensslAvailable(): Promise<boolean> {
  return run("openssl", ["version"]).then(
    () => true,
    () => false,
  );
}
