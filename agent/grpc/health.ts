/**
 * grpc.health.v1 for the externalgrpc server: Kubernetes gRPC probes and
 * grpc_health_probe ask it. The server as a whole ("") and the CloudProvider
 * service are SERVING exactly when the agent is ready (registered, state
 * loaded); any other name is NOT_FOUND (Check) or SERVICE_UNKNOWN (Watch).
 * Watch streams re-check readiness on an interval and send changes; closing
 * the server ends them, so they never hold up a graceful shutdown.
 */
import { type ServerUnaryCall, type ServerWritableStream, type sendUnaryData, status } from "@grpc/grpc-js";
import { CLOUD_PROVIDER_SERVICE } from "../../proto/externalgrpc-paths.ts";

type ServingStatus = "SERVING" | "NOT_SERVING" | "SERVICE_UNKNOWN";

interface HealthRequest {
  service?: string;
}
interface HealthResponse {
  status: ServingStatus;
}

export const HEALTH_WATCH_INTERVAL_MS = 1000;

export interface HealthService {
  handlers: {
    Check(
      call: ServerUnaryCall<HealthRequest, HealthResponse>,
      callback: sendUnaryData<HealthResponse>,
    ): void;
    Watch(call: ServerWritableStream<HealthRequest, HealthResponse>): void;
  };
  /** tells every open Watch stream NOT_SERVING and ends it */
  close(): void;
}

const KNOWN_SERVICES = new Set(["", CLOUD_PROVIDER_SERVICE]);

export function createHealthService(
  isServing: () => boolean,
  watchIntervalMs = HEALTH_WATCH_INTERVAL_MS,
): HealthService {
  const watchers = new Set<() => void>();
  const current = (service: string): ServingStatus => {
    if (!KNOWN_SERVICES.has(service)) return "SERVICE_UNKNOWN";
    return isServing() ? "SERVING" : "NOT_SERVING";
  };

  return {
    handlers: {
      Check(call, callback) {
        const service = call.request.service ?? "";
        const answer = current(service);
        if (answer === "SERVICE_UNKNOWN")
          return callback({ code: status.NOT_FOUND, details: `unknown service ${service}` });
        callback(null, { status: answer });
      },
      Watch(call) {
        const service = call.request.service ?? "";
        let last = current(service);
        call.write({ status: last });
        const timer = setInterval(() => {
          const next = current(service);
          if (next === last) return;
          last = next;
          call.write({ status: next });
        }, watchIntervalMs);
        const stop = () => {
          clearInterval(timer);
          watchers.delete(shutdown);
        };
        const shutdown = () => {
          stop();
          if (!call.cancelled) {
            call.write({ status: "NOT_SERVING" });
            call.end();
          }
        };
        watchers.add(shutdown);
        call.on("cancelled", stop);
        call.on("error", stop);
      },
    },
    close() {
      for (const shutdown of [...watchers]) shutdown();
    },
  };
}
