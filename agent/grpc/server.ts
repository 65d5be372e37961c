/**
 * The externalgrpc CloudProvider server Cluster Autoscaler dials, plus the
 * standard grpc.health.v1 service on the same port: TLS from ./tls.ts, the
 * RPC handlers from ./cloud-provider-handlers.ts behind one adapter that maps
 * every failure through ./status-map.ts, metrics and access log from
 * ./observe.ts, and a close() that drains before it cuts off.
 */
import {
  type Deadline,
  type handleUnaryCall,
  Server,
  status,
  type UntypedServiceImplementation,
} from "@grpc/grpc-js";
import type { Logger } from "../../shared/logger.ts";
import type { CloudProviderService } from "../cloud-provider/types.ts";
import { formatListenAddress } from "../config/values.ts";
import type { GrpcTlsConfig, ListenAddress } from "../config.ts";
import { AgentError } from "../errors.ts";
import type { AgentMetrics } from "../metrics.ts";
import { createCloudProviderHandlers, type RpcHandler } from "./cloud-provider-handlers.ts";
import { MalformedRequest, serviceDefinitions } from "./definitions.ts";
import { createHealthService } from "./health.ts";
import { type CallObserver, callObserver } from "./observe.ts";
import { toGrpcStatus } from "./status-map.ts";
import { createGrpcServerCredentials } from "./tls.ts";

export interface GrpcServerOptions {
  listen: ListenAddress;
  tls: GrpcTlsConfig | null;
  service: CloudProviderService;
  metrics?: AgentMetrics;
  logger: Logger;
  /** true when the agent can serve (grpc.health.v1 SERVING); absent means always */
  health?: () => boolean;
  /** how often the TLS files are checked for changes */
  tlsReloadIntervalMs?: number;
  /** how long close() lets in-flight calls finish before cutting them off */
  shutdownTimeoutMs?: number;
}

export interface GrpcServer {
  /** the bound address; the port differs from the configured one when port 0 was asked for */
  address: ListenAddress;
  port: number;
  close(): Promise<void>;
}

const DEFAULT_SHUTDOWN_TIMEOUT_MS = 5000;

function toDate(deadline: Deadline): Date | undefined {
  if (deadline instanceof Date) return deadline;
  return Number.isFinite(deadline) ? new Date(deadline) : undefined;
}

function unary(
  method: string,
  handler: RpcHandler,
  logger: Logger,
  observe: CallObserver,
): handleUnaryCall<unknown, unknown> {
  return (call, callback) => {
    const done = observe(method, call);
    const ok = (response: unknown) => {
      done(status.OK);
      callback(null, response);
    };
    const fail = (err: unknown) => {
      const grpcStatus = toGrpcStatus(err, logger, method);
      done(grpcStatus.code ?? status.UNKNOWN);
      callback(grpcStatus);
    };
    try {
      if (call.request instanceof MalformedRequest) {
        throw new AgentError("invalid_argument", `malformed request: not a valid ${method} request message`);
      }
      // reads answer synchronously: no promise per call on CA's hot path
      const result = handler(call.request, { deadline: toDate(call.getDeadline()) });
      if (result instanceof Promise) result.then(ok, fail);
      else ok(result);
    } catch (err) {
      fail(err);
    }
  };
}

function cloudProviderImplementation(
  service: CloudProviderService,
  logger: Logger,
  observe: CallObserver,
  methods: string[],
) {
  const handlers = createCloudProviderHandlers(service);
  const missing = methods.filter((method) => !handlers[method]);
  if (missing.length > 0) throw new Error(`no handler for ${missing.join(", ")}`);
  return Object.fromEntries(
    methods.map((method) => [method, unary(method, handlers[method]!, logger, observe)]),
  ) as UntypedServiceImplementation;
}

function bind(
  server: Server,
  address: string,
  credentials: Parameters<Server["bindAsync"]>[1],
): Promise<number> {
  return new Promise((resolve, reject) =>
    server.bindAsync(address, credentials, (err, port) => (err ? reject(err) : resolve(port))),
  );
}

export async function startGrpcServer(options: GrpcServerOptions): Promise<GrpcServer> {
  const logger = options.logger.child({ component: "grpc" });
  const { cloudProvider, health: healthDefinition } = serviceDefinitions();
  const tls = await createGrpcServerCredentials(options.tls, {
    logger,
    reloadIntervalMs: options.tlsReloadIntervalMs,
  });
  const health = createHealthService(options.health ?? (() => true));
  const server = new Server();
  const observe = callObserver(logger, options.metrics);
  server.addService(
    cloudProvider,
    cloudProviderImplementation(options.service, logger, observe, Object.keys(cloudProvider)),
  );
  server.addService(healthDefinition, health.handlers as unknown as UntypedServiceImplementation);

  let port: number;
  try {
    port = await bind(server, formatListenAddress(options.listen), tls.credentials);
  } catch (err) {
    tls.close();
    server.forceShutdown();
    const reason = err instanceof Error ? err.message : String(err);
    throw new Error(`gRPC server cannot listen on ${formatListenAddress(options.listen)}: ${reason}`, {
      cause: err,
    });
  }
  const address = { host: options.listen.host, port };
  logger.info("gRPC server listening", { address: formatListenAddress(address), tls: tls.mode });

  let closing: Promise<void> | undefined;
  const close = () => {
    closing ??= new Promise<void>((resolve) => {
      health.close();
      const timer = setTimeout(() => {
        logger.warn("gRPC calls still running at shutdown; cancelling them");
        server.forceShutdown();
      }, options.shutdownTimeoutMs ?? DEFAULT_SHUTDOWN_TIMEOUT_MS);
      server.tryShutdown(() => {
        clearTimeout(timer);
        tls.close();
        resolve();
      });
    });
    return closing;
  };
  return { address, port, close };
}
