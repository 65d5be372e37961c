/**
 * A stand-in for Neon's WebSocket proxy: each WebSocket is piped to a TCP
 * connection to a plain Postgres, so the Neon driver can be tested locally.
 * The client then speaks the ordinary Postgres protocol inside the socket
 * (no TLS, no pipelined password). It always dials its configured target,
 * whatever `address` the client asks for, so it cannot become an open relay.
 */
import type { AddressInfo } from "node:net";
import net from "node:net";
import WebSocket, { WebSocketServer } from "ws";
import type { NeonOptions } from "../../drizzle/client.ts";
import { recordUsage } from "./usage.ts";

export interface NeonProxy {
  port: number;
  url: string;
  neonOptions: NeonOptions;
  /** connections accepted so far, so tests can prove traffic went through the proxy */
  connections(): number;
  close(): Promise<void>;
}

export async function startNeonProxy(targetHost = "127.0.0.1", targetPort = 5432): Promise<NeonProxy> {
  const server = new WebSocketServer({ host: "127.0.0.1", port: 0 });
  await new Promise<void>((resolve, reject) => {
    server.once("listening", resolve);
    server.once("error", reject);
  });
  const sockets = new Set<net.Socket>();
  let accepted = 0;

  server.on("connection", (ws) => {
    accepted++;
    const tcp = net.connect({ host: targetHost, port: targetPort });
    sockets.add(tcp);
    // writes made before the TCP connect completes are queued by net.Socket
    ws.on("message", (data: Buffer) => tcp.write(data));
    tcp.on("data", (chunk) => {
      if (ws.readyState === WebSocket.OPEN) ws.send(chunk);
    });
    const shutdown = () => {
      sockets.delete(tcp);
      tcp.destroy();
      if (ws.readyState === WebSocket.OPEN || ws.readyState === WebSocket.CONNECTING) ws.close();
    };
    tcp.on("close", shutdown);
    tcp.on("error", shutdown);
    ws.on("close", shutdown);
    ws.on("error", shutdown);
  });

  const { port } = server.address() as AddressInfo;
  recordUsage("stand-in", "neon ws-to-tcp proxy");
  return {
    port,
    url: `ws://127.0.0.1:${port}/v1`,
    neonOptions: {
      wsProxy: (host, p) => `127.0.0.1:${port}/v1?address=${host}:${p}`,
      useSecureWebSocket: false,
      pipelineTLS: false,
      pipelineConnect: false,
      webSocketConstructor: WebSocket,
    },
    connections: () => accepted,
    close: async () => {
      for (const tcp of sockets) tcp.destroy();
      for (const ws of server.clients) ws.terminate();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
