/**
 * The sandbox's front (scripts/sandbox-front.ts) on real loopback ports: two
 * dummy "agents", each a TCP server that greets with its name and echoes,
 * next to an HTTP /readyz whose answer the test flips.
 */
import { createServer as createHttpServer, type Server as HttpServer } from "node:http";
import net from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { type SandboxFront, startSandboxFront } from "../../../scripts/sandbox-front.ts";
import { eventually, waitFor } from "../../support/eventually.ts";

interface Dummy {
  name: string;
  address: string;
  healthUrl: string;
  ready: boolean;
  reason: string;
  /** the server side of every connection it accepted */
  sockets: net.Socket[];
  /** stops the TCP server (the "gRPC port"), leaving /readyz up */
  closePort(): Promise<void>;
  close(): Promise<void>;
}

const listen = (server: net.Server | HttpServer) =>
  new Promise<number>((resolve) =>
    server.listen(0, "127.0.0.1", () => resolve((server.address() as net.AddressInfo).port)),
  );

async function startDummy(name: string, ready: boolean): Promise<Dummy> {
  const sockets: net.Socket[] = [];
  const tcp = net.createServer((socket) => {
    sockets.push(socket);
    socket.on("error", () => {});
    socket.write(`hello from ${name}\n`);
    socket.on("data", (chunk) => socket.write(chunk));
  });
  const health = createHttpServer((req, res) => {
    if (req.url !== "/readyz") return void res.writeHead(404).end();
    res.writeHead(dummy.ready ? 200 : 503, { "content-type": "application/json" });
    res.end(JSON.stringify(dummy.ready ? { ready: true } : { ready: false, reason: dummy.reason }));
  });
  const [tcpPort, healthPort] = [await listen(tcp), await listen(health)];
  const closeTcp = () =>
    new Promise<void>((resolve) => {
      for (const s of sockets) s.destroy();
      tcp.close(() => resolve());
    });
  const dummy: Dummy = {
    name,
    address: `127.0.0.1:${tcpPort}`,
    healthUrl: `http://127.0.0.1:${healthPort}`,
    ready,
    reason: "standby: someone else leads",
    sockets,
    closePort: closeTcp,
    async close() {
      await (tcp.listening ? closeTcp() : Promise.resolve());
      health.closeAllConnections();
      await new Promise<void>((resolve) => health.close(() => resolve()));
    },
  };
  return dummy;
}

/** A client connection through the front: what it has received, and whether it was closed. */
function connect(address: string) {
  const [host, port] = [address.slice(0, address.lastIndexOf(":")), Number(address.split(":").at(-1))];
  const socket = net.connect({ host, port });
  const state = { received: "", closed: false, socket };
  socket.setEncoding("utf8");
  socket.on("data", (chunk: string) => {
    state.received += chunk;
  });
  socket.on("error", () => {});
  socket.on("close", () => {
    state.closed = true;
  });
  return state;
}

describe("sandbox front", () => {
  const cleanup: (() => Promise<void>)[] = [];
  afterEach(async () => {
    for (const close of cleanup.splice(0).reverse()) await close();
  });

  async function setUp(readyA: boolean, readyB: boolean) {
    const a = await startDummy("a", readyA);
    const b = await startDummy("b", readyB);
    cleanup.push(a.close, b.close);
    const lines: string[] = [];
    const front: SandboxFront = await startSandboxFront({
      backends: [a, b].map(({ name, address, healthUrl }) => ({ name, address, healthUrl })),
      pollIntervalMs: 50,
      onLog: (line) => lines.push(line),
    });
    cleanup.push(front.close);
    return { a, b, front, lines };
  }

  it("sends new connections to the ready backend and passes bytes both ways", async () => {
    const { front } = await setUp(false, true);
    expect(front.target()).toBe("b");
    const client = connect(front.address);
    await eventually(() => expect(client.received).toBe("hello from b\n"));
    client.socket.write("ping\n");
    await eventually(() => expect(client.received).toBe("hello from b\nping\n"));
    expect(front.status()).toEqual([
      expect.objectContaining({
        name: "a",
        ready: false,
        reason: "standby: someone else leads",
        connections: 0,
      }),
      expect.objectContaining({ name: "b", ready: true, reason: "", connections: 1 }),
    ]);
    client.socket.destroy();
  });

  it("stays with the backend it chose while that one stays ready", async () => {
    const { front, a } = await setUp(true, true);
    expect(front.target()).toBe("a");
    const first = connect(front.address);
    await eventually(() => expect(first.received).toBe("hello from a\n"));
    const second = connect(front.address);
    await eventually(() => expect(second.received).toBe("hello from a\n"));
    expect(a.sockets).toHaveLength(2);
    first.socket.destroy();
    second.socket.destroy();
  });

  it("closes the connections to a backend that stops being ready; the next ones go to the new ready one", async () => {
    const { front, a, b, lines } = await setUp(true, false);
    const client = connect(front.address);
    await eventually(() => expect(client.received).toBe("hello from a\n"));

    // a hands over to b, the way a leader loses its Lease and the standby takes it
    a.ready = false;
    b.ready = true;
    await eventually(() => expect(client.closed).toBe(true), 5_000);
    await waitFor("b to be the target", () => front.target() === "b", 5_000);
    const again = connect(front.address);
    await eventually(() => expect(again.received).toBe("hello from b\n"));
    expect(lines).toEqual(
      expect.arrayContaining([
        "front: routing to a",
        "front: a not ready (standby: someone else leads)",
        "front: routing to b",
      ]),
    );
    again.socket.destroy();
  });

  it("resets connections while no backend is ready", async () => {
    const { front, a } = await setUp(false, false);
    expect(front.target()).toBeNull();
    const client = connect(front.address);
    await eventually(() => expect(client.closed).toBe(true));
    expect(client.received).toBe("");
    expect(a.sockets).toHaveLength(0);

    a.ready = true;
    await waitFor("a to be the target", () => front.target() === "a", 5_000);
    const later = connect(front.address);
    await eventually(() => expect(later.received).toBe("hello from a\n"));
    later.socket.destroy();
  });

  it("closes the client's connection when the backend drops it", async () => {
    const { front, a } = await setUp(true, false);
    const client = connect(front.address);
    await eventually(() => expect(client.received).toBe("hello from a\n"));
    a.sockets[0]!.destroy();
    await eventually(() => expect(client.closed).toBe(true));
    await eventually(() => expect(front.status()[0]!.connections).toBe(0));
  });

  it("takes a backend whose port refuses connections out until its probe passes again", async () => {
    const { front, a, b } = await setUp(true, true);
    await a.closePort();
    const client = connect(front.address);
    await eventually(() => expect(client.closed).toBe(true));
    // the refused connect marked a not ready at once; b takes the next connection
    const next = connect(front.address);
    await eventually(() => expect(next.received).toBe("hello from b\n"));
    expect(b.sockets).toHaveLength(1);
    next.socket.destroy();
  });

  it("marks a backend whose probe server is gone as not ready", async () => {
    const { front, a } = await setUp(true, true);
    const client = connect(front.address);
    await eventually(() => expect(client.received).toBe("hello from a\n"));
    await a.close();
    await eventually(() => expect(client.closed).toBe(true), 5_000);
    await waitFor("b to be the target", () => front.target() === "b", 5_000);
    expect(front.status()[0]).toMatchObject({ name: "a", ready: false });
    expect(front.status()[0]!.reason).toMatch(/probe failed|connect failed/);
  });

  it("closes even while a client keeps its half of a connection the backend ended", async () => {
    const { front, a } = await setUp(true, false);
    const [host, port] = front.address.split(":");
    const client = net.connect({ host, port: Number(port), allowHalfOpen: true });
    client.on("error", () => {});
    client.resume(); // "end" comes only once the greeting was read
    let ended = false;
    client.on("end", () => {
      ended = true;
    });
    await eventually(() => expect(a.sockets).toHaveLength(1));
    a.sockets[0]!.end();
    await eventually(() => expect(ended).toBe(true));
    expect(front.status()[0]!.connections).toBe(1);
    await front.close(); // server.close() would wait for that connection forever
    client.destroy();
  });

  it("closes every connection through it when closed", async () => {
    const { front } = await setUp(true, false);
    const client = connect(front.address);
    await eventually(() => expect(client.received).toBe("hello from a\n"));
    await front.close();
    await eventually(() => expect(client.closed).toBe(true));
    await front.close(); // idempotent
  });
});
