/**
 * The agent's probe and metrics server: `/healthz` says the process is alive,
 * `/readyz` asks the readiness check (registered with the control plane,
 * state cache warm, and holding the leader Lease; see agent/main.ts), so the
 * Service routes Cluster Autoscaler only to the agent that may act for it. `/metrics` is the Prometheus
 * text exposition when a metrics source is given.
 */
import { createServer, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import type { Logger } from "../shared/logger.ts";
import type { ListenAddress } from "./config.ts";

export interface Readiness {
  ready: boolean;
  /** Why not ready; shown to operators in the probe body and in `kubectl describe`. */
  reason?: string;
}

export type ReadinessCheck = () => Readiness;

/** What /metrics serves; agent/metrics.ts provides it. */
export interface MetricsSource {
  render(): Promise<string>;
  contentType: string;
}

export interface HealthServer {
  /** The bound address; differs from the configured one when port 0 was asked for. */
  address: ListenAddress;
  close(): Promise<void>;
}

function sendJson(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { "content-type": "application/json", "cache-control": "no-store" });
  res.end(text);
}

async function sendMetrics(res: ServerResponse, metrics: MetricsSource, logger: Logger): Promise<void> {
  try {
    const text = await metrics.render();
    res.writeHead(200, { "content-type": metrics.contentType, "cache-control": "no-store" });
    res.end(text);
  } catch (err) {
    logger.error("rendering metrics failed", { err });
    sendJson(res, 500, { error: "metrics unavailable" });
  }
}

export function startHealthServer(options: {
  listen: ListenAddress;
  readiness: ReadinessCheck;
  metrics?: MetricsSource;
  logger: Logger;
}): Promise<HealthServer> {
  const { metrics, logger } = options;
  const server = createServer((req, res) => {
    if (req.method !== "GET" && req.method !== "HEAD")
      return sendJson(res, 405, { error: "method not allowed" });
    const path = (req.url ?? "/").split("?")[0];
    if (path === "/healthz") return sendJson(res, 200, { ok: true });
    if (path === "/readyz") {
      const readiness = options.readiness();
      return sendJson(res, readiness.ready ? 200 : 503, readiness);
    }
    if (path === "/metrics" && metrics) return void sendMetrics(res, metrics, logger);
    sendJson(res, 404, { error: "not found" });
  });
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.listen.port, options.listen.host, () => {
      server.off("error", reject);
      server.on("error", (err) => logger.error("health server error", { err }));
      const bound = server.address() as AddressInfo;
      resolve({
        address: { host: bound.address, port: bound.port },
        close: () =>
          new Promise<void>((done) => {
            server.close(() => done());
            // Probe connections are keep-alive; without this close() would wait for them to idle out.
            server.closeAllConnections();
          }),
      });
    });
  });
}
