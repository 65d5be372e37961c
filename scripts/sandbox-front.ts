/**
 * The sandbox's stand-in for the agent's Service: one TCP port in front of
 * several agent replicas that sends each new connection to a ready one, the
 * way kube-proxy sends a ClusterIP Service's connections only to endpoints
 * whose readiness probe passes.
 *
 * - Every backend's `/readyz` is polled (every 500 ms by default); 200 is
 *   ready, anything else (a 503 "standby: … leads", a refused or timed-out
 *   probe) is not. The front does not know who leads, only who is ready.
 * - A new connection goes to the backend it went to last while that one stays
 *   ready, else to the first ready one; with none ready it is reset at once
 *   (a Service without ready endpoints rejects connections too).
 * - When a backend stops being ready, or a connection to it cannot be made,
 *   the client connections open to it are closed, so the client (grpc-js in
 *   Cluster Autoscaler) reconnects and lands on the one that is ready now.
 *   A connection the backend drops closes its client connection likewise.
 *
 * Bytes pass through untouched (gRPC over plaintext, TLS or mTLS alike).
 */
import http from "node:http";
import net from "node:net";

export interface FrontBackend {
  /** for logs and status, e.g. the agent's pod name */
  name: string;
  /** where connections go, host:port */
  address: string;
  /** base URL of the backend's probe server: `${healthUrl}/readyz` is polled */
  healthUrl: string;
}

export interface FrontBackendStatus {
  name: string;
  address: string;
  ready: boolean;
  /** why not ready: the reason in the probe's body, its status, or the error; "" when ready */
  reason: string;
  /** connections through it open now */
  connections: number;
}

export interface SandboxFront {
  /** host:port clients connect to */
  address: string;
  /** the backend new connections go to now; null: none is ready, connections are reset */
  target(): string | null;
  status(): FrontBackendStatus[];
  /** stops polling, closes the port and every connection through it; idempotent */
  close(): Promise<void>;
}

export interface SandboxFrontOptions {
  backends: FrontBackend[];
  /** default 127.0.0.1 */
  host?: string;
  /** default 0: any free port */
  port?: number;
  /** default 500 */
  pollIntervalMs?: number;
  /** default 1000 */
  probeTimeoutMs?: number;
  /** readiness and routing changes, one line each */
  onLog?: (line: string) => void;
}

interface Probe {
  ready: boolean;
  reason: string;
}

interface Connection {
  client: net.Socket;
  upstream: net.Socket;
}

interface Backend extends FrontBackend {
  host: string;
  port: number;
  ready: boolean;
  reason: string;
  /** set once the first probe answered (or failed) */
  probed: boolean;
  /** open until both of their sockets have closed */
  connections: Set<Connection>;
  timer?: NodeJS.Timeout;
  probe?: http.ClientRequest;
}

function splitAddress(address: string): { host: string; port: number } {
  const colon = address.lastIndexOf(":");
  const port = Number(address.slice(colon + 1));
  if (colon < 1 || !Number.isInteger(port) || port < 1 || port > 65_535)
    throw new Error(`not host:port: ${address}`);
  return { host: address.slice(0, colon).replace(/^\[(.*)\]$/, "$1"), port };
}

/** The agent's /readyz body is {ready, reason}; anything else is summarised by its status. */
function reasonOf(status: number | undefined, body: string): string {
  try {
    const parsed = JSON.parse(body) as { reason?: unknown };
    if (typeof parsed.reason === "string" && parsed.reason !== "") return parsed.reason;
  } catch {
    // not JSON
  }
  return `readyz answered ${status}`;
}

/** One GET of `${healthUrl}/readyz`, on a connection of its own (no pool that could outlive the front). */
function probeReadyz(backend: Backend, timeoutMs: number, done: (probe: Probe) => void): http.ClientRequest {
  let answered = false;
  const finish = (probe: Probe) => {
    if (answered) return;
    answered = true;
    done(probe);
  };
  const req = http.get(`${backend.healthUrl}/readyz`, { agent: false, timeout: timeoutMs }, (res) => {
    let body = "";
    res.setEncoding("utf8");
    res.on("data", (chunk: string) => {
      if (body.length < 4_096) body += chunk;
    });
    res.on("end", () =>
      finish(
        res.statusCode === 200
          ? { ready: true, reason: "" }
          : { ready: false, reason: reasonOf(res.statusCode, body) },
      ),
    );
    res.on("error", (err) => finish({ ready: false, reason: err.message }));
  });
  req.on("timeout", () => req.destroy(new Error(`no answer within ${timeoutMs} ms`)));
  req.on("error", (err) => finish({ ready: false, reason: `probe failed: ${err.message}` }));
  return req;
}

export async function startSandboxFront(options: SandboxFrontOptions): Promise<SandboxFront> {
  if (options.backends.length === 0) throw new Error("the front needs at least one backend");
  const pollIntervalMs = options.pollIntervalMs ?? 500;
  const probeTimeoutMs = options.probeTimeoutMs ?? 1_000;
  const log = options.onLog ?? (() => {});
  const backends: Backend[] = options.backends.map((b) => ({
    ...b,
    ...splitAddress(b.address),
    healthUrl: b.healthUrl.replace(/\/+$/, ""),
    ready: false,
    reason: "not probed yet",
    probed: false,
    connections: new Set(),
  }));
  let closed = false;
  let last: Backend | undefined;
  let announced: string | null = null;

  const pick = (): Backend | undefined => {
    if (last?.ready) return last;
    last = backends.find((b) => b.ready);
    return last;
  };

  const announce = () => {
    const name = pick()?.name ?? null;
    if (name === announced) return;
    announced = name;
    log(name === null ? "front: no ready backend, refusing connections" : `front: routing to ${name}`);
  };

  const dropConnections = (backend: Backend) => {
    if (backend.connections.size > 0)
      log(`front: closing ${backend.connections.size} connection(s) to ${backend.name}`);
    for (const { client, upstream } of backend.connections) {
      client.destroy();
      upstream.destroy();
    }
  };

  const setReadiness = (backend: Backend, probe: Probe) => {
    const first = !backend.probed;
    backend.probed = true;
    backend.reason = probe.reason;
    if (backend.ready === probe.ready && !first) return;
    backend.ready = probe.ready;
    log(`front: ${backend.name} ${probe.ready ? "ready" : `not ready (${probe.reason})`}`);
    if (!probe.ready) dropConnections(backend);
    announce();
  };

  const poll = (backend: Backend, first?: () => void) => {
    backend.probe = probeReadyz(backend, probeTimeoutMs, (probe) => {
      backend.probe = undefined;
      if (closed) return;
      setReadiness(backend, probe);
      first?.();
      backend.timer = setTimeout(() => poll(backend), pollIntervalMs);
    });
  };

  const server = net.createServer((client) => {
    client.on("error", () => {}); // a reset by the client; "close" follows
    const backend = pick();
    if (closed || !backend) {
      client.resetAndDestroy();
      return;
    }
    const upstream = net.connect({ host: backend.host, port: backend.port });
    const connection = { client, upstream };
    backend.connections.add(connection);
    let connected = false;
    upstream.once("connect", () => {
      connected = true;
    });
    upstream.on("error", (err: NodeJS.ErrnoException) => {
      // Nothing listens there (the process died before its probe server said so): not ready until
      // its next probe answers 200, and whatever else is open to it is gone too.
      if (!connected && backend.ready)
        setReadiness(backend, { ready: false, reason: `connect failed: ${err.code ?? err.message}` });
    });
    // A clean close lets the other side flush what it still holds (pipe ends it); an error cuts it.
    let open = 2;
    const closeOther = (other: net.Socket) => (hadError: boolean) => {
      if (hadError) other.destroy();
      else other.end();
      if (--open === 0) backend.connections.delete(connection);
    };
    client.once("close", closeOther(upstream));
    upstream.once("close", closeOther(client));
    client.pipe(upstream);
    upstream.pipe(client);
  });

  const host = options.host ?? "127.0.0.1";
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port ?? 0, host, () => {
      server.off("error", reject);
      resolve();
    });
  });
  server.on("error", (err) => log(`front: ${err.message}`));
  // The first round of probes decides where the first connection goes.
  await Promise.all(backends.map((b) => new Promise<void>((resolve) => poll(b, resolve))));
  announce();
  const { port } = server.address() as net.AddressInfo;

  let closing: Promise<void> | undefined;
  return {
    address: `${host.includes(":") ? `[${host}]` : host}:${port}`,
    target: () => pick()?.name ?? null,
    status: () =>
      backends.map((b) => ({
        name: b.name,
        address: b.address,
        ready: b.ready,
        reason: b.reason,
        connections: b.connections.size,
      })),
    close() {
      closing ??= new Promise<void>((resolve) => {
        closed = true;
        for (const b of backends) {
          clearTimeout(b.timer);
          b.probe?.destroy();
          // server.close() waits for every connection: none may stay half-closed
          for (const { client, upstream } of b.connections) {
            client.destroy();
            upstream.destroy();
          }
        }
        server.close(() => resolve());
      });
      return closing;
    },
  };
}
