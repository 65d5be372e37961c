/**
 * A gRPC client for the externalgrpc CloudProvider as Cluster Autoscaler
 * builds one: one channel, plaintext or (m)TLS, and every call bounded by
 * CA's `grpc_timeout` (default 5 s) as a per-call deadline. Failures surface
 * as `CaRpcError` carrying the status code, so patterns can tell the four
 * tolerated Unimplemented answers from real failures.
 */
import * as grpc from "@grpc/grpc-js";
import { type CaRpc, caServiceConstructor, type ExternalgrpcLayout } from "../reference-protos.ts";

/** CA's `--grpc-timeout`/cloud-config `grpc_timeout` default. */
export const CA_DEFAULT_GRPC_TIMEOUT_MS = 5_000;

/** The externalgrpc layouts the emulator speaks: CA ≥ 1.35 and CA ≤ 1.34.1. */
export type CaProtoVersion = Extract<ExternalgrpcLayout, "current" | "legacy">;

/** The only RPCs whose Unimplemented CA treats as "feature not offered" rather than an error. */
export const UNIMPLEMENTED_TOLERATED: ReadonlySet<CaRpc> = new Set<CaRpc>([
  "PricingNodePrice",
  "PricingPodPrice",
  "NodeGroupTemplateNodeInfo",
  "NodeGroupGetOptions",
]);

export class CaRpcError extends Error {
  constructor(
    readonly rpc: CaRpc,
    readonly code: grpc.status,
    readonly details: string,
  ) {
    super(`${rpc} failed: ${grpc.status[code] ?? code} ${details}`);
    this.name = "CaRpcError";
  }

  get codeName(): string {
    return grpc.status[this.code] ?? String(this.code);
  }
}

export interface CaTlsOptions {
  /** PEM CA bundle that signed the server certificate */
  ca: Buffer;
  /** client certificate and key for mTLS; omit both to connect without a client certificate */
  cert?: Buffer;
  key?: Buffer;
  /** overrides the name checked against the server certificate (default: the address host) */
  serverName?: string;
}

export interface CaClientOptions {
  /** host:port */
  address: string;
  version: CaProtoVersion;
  tls?: CaTlsOptions | null;
  /** per-call deadline, CA's grpc_timeout */
  timeoutMs?: number;
}

export interface CaClient {
  readonly version: CaProtoVersion;
  readonly timeoutMs: number;
  // biome-ignore lint/suspicious/noExplicitAny: messages are proto-loader objects shaped by the reference proto.
  call<T = any>(rpc: CaRpc, request: object): Promise<T>;
  close(): void;
}

export function createCaClient(options: CaClientOptions): CaClient {
  const Ctor = caServiceConstructor(options.version);
  const tls = options.tls;
  const credentials = tls
    ? grpc.credentials.createSsl(tls.ca, tls.key ?? null, tls.cert ?? null)
    : grpc.credentials.createInsecure();
  const channelOptions: grpc.ChannelOptions = tls?.serverName
    ? { "grpc.ssl_target_name_override": tls.serverName, "grpc.default_authority": tls.serverName }
    : {};
  const client = new Ctor(options.address, credentials, channelOptions);
  const timeoutMs = options.timeoutMs ?? CA_DEFAULT_GRPC_TIMEOUT_MS;
  return {
    version: options.version,
    timeoutMs,
    call(rpc, request) {
      const method = client[rpc] as unknown as (
        req: object,
        meta: grpc.Metadata,
        opts: grpc.CallOptions,
        cb: (err: grpc.ServiceError | null, res: unknown) => void,
      ) => void;
      return new Promise((resolve, reject) => {
        method.call(
          client,
          request,
          new grpc.Metadata(),
          { deadline: Date.now() + timeoutMs },
          (err: grpc.ServiceError | null, response: unknown) => {
            if (err) reject(new CaRpcError(rpc, err.code, err.details));
            // biome-ignore lint/suspicious/noExplicitAny: see CaClient.call
            else resolve(response as any);
          },
        );
      });
    },
    close: () => client.close(),
  };
}
