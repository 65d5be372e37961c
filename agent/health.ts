/**
 * The agent's probe server for kubelet: `/healthz` says the process is alive,
 * `/readyz` asks a readiness check that later issues fill in (registered with
 * the control plane, state cache warm, leader or not). Until then the check
 * answers "not registered", so the Service never routes Cluster Autoscaler to
 * an agent that cannot serve it.
 */
import { createServer, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import type { ListenAddress } from "./config.ts";
import type { Logger } from "./log.ts";

export interface Readiness {
  ready: boolean;
  /** Why not ready; shown to operators in the probe body and in `kubectl describe`. */
  reason?: string;
}

export type ReadinessCheck = () => Readiness;

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

export function startHealthServer(options: {
  listen: ListenAddress;
  readiness: ReadinessCheck;
  logger: Logger;
}): Promise<HealthServer> {
  const server = createServer((req, res) => {
    if (req.method !== "GET" && req.method !== "HEAD")
      return sendJson(res, 405, { error: "method not allowed" });
    const path = (req.url ?? "/").split("?")[0];
    if (path === "/healthz") return sendJson(res, 200, { ok: true });
    if (path === "/readyz") {
      const readiness = options.readiness();
      return sendJson(res, readiness.ready ? 200 : 503, readiness);
    }
    sendJson(res, 404, { error: "not found" });
  });
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.listen.port, options.listen.host, () => {
      server.off("error", reject);
      server.on("error", (err) => options.logger.error("health server error", { err }));
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
