/**
 * TLS and mutual TLS on a real port with certificates openssl makes at test
 * time: who is served, who is rejected, certificate reload without restart,
 * and ALPN "h2" (grpc-go >= 1.67 refuses a TLS server that negotiates none).
 */
import { readFileSync, renameSync, writeFileSync } from "node:fs";
import { type TLSSocket, connect as tlsConnect } from "node:tls";
import * as grpc from "@grpc/grpc-js";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { type GrpcServer, startGrpcServer } from "../../../agent/grpc/server.ts";
import { callError, captureLogger, connect, stubService } from "../../support/harness/grpc.ts";
import { requireService } from "../../support/services.ts";
import { createTestPki, opensslAvailable, type TestPki } from "../../support/test-pki.ts";

const hasOpenssl = await requireService("openssl", opensslAvailable);

let pki: TestPki;
const cleanups: (() => unknown)[] = [];

beforeAll(async () => {
  if (!hasOpenssl) return;
  pki = await createTestPki();
  await pki.issue("server-1", { ca: "ca", commonName: "server-1" });
  await pki.issue("server-2", { ca: "ca", commonName: "server-2" });
  await pki.issue("client", { ca: "ca", commonName: "cluster-autoscaler", clientAuth: true });
  await pki.issue("rogue", { ca: "other-ca", commonName: "rogue", clientAuth: true });
});

afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

afterAll(() => pki?.remove());

const pem = (name: string) => readFileSync(pki.file(name));

async function serve(options: { mutual: boolean; reloadMs?: number; certName?: string }) {
  const log = captureLogger();
  const certName = options.certName ?? "server-1";
  const server: GrpcServer = await startGrpcServer({
    listen: { host: "127.0.0.1", port: 0 },
    tls: {
      certFile: pki.file(`${certName}.crt`),
      keyFile: pki.file(`${certName}.key`),
      clientCaFile: options.mutual ? pki.file("ca.crt") : null,
    },
    service: stubService(),
    logger: log.logger,
    tlsReloadIntervalMs: options.reloadMs,
  });
  cleanups.push(() => server.close());
  return { server, log };
}

function credentialsFor(client: string | null): grpc.ChannelCredentials {
  return client === null
    ? grpc.credentials.createSsl(pem("ca.crt"))
    : grpc.credentials.createSsl(pem("ca.crt"), pem(`${client}.key`), pem(`${client}.crt`));
}

async function nodeGroupsAs(port: number, client: string | null) {
  // Dial the IP but verify (and send SNI for) the DNS name in the certificate, as CA does with its address.
  const c = connect("current", port, credentialsFor(client), {
    "grpc.ssl_target_name_override": "localhost",
  });
  cleanups.push(() => c.close());
  return c.call("NodeGroups", {}, 3000);
}

/** A bare TLS handshake, as a Go client would make it, offering only h2. */
function handshake(port: number, client: string | null): Promise<TLSSocket> {
  return new Promise((resolve, reject) => {
    const socket = tlsConnect({
      host: "127.0.0.1",
      port,
      servername: "localhost",
      ca: pem("ca.crt"),
      ...(client ? { key: pem(`${client}.key`), cert: pem(`${client}.crt`) } : {}),
      ALPNProtocols: ["h2"],
    });
    socket.once("secureConnect", () => resolve(socket));
    socket.once("error", reject);
    cleanups.push(() => socket.destroy());
  });
}

describe.skipIf(!hasOpenssl)("gRPC over TLS", () => {
  it("serves any client that trusts the server's CA when no client CA is configured", async () => {
    const { server, log } = await serve({ mutual: false });
    expect((await nodeGroupsAs(server.port, null)).nodeGroups).toHaveLength(1);
    expect(log.lines.find((l) => l.msg === "gRPC server listening")).toMatchObject({ tls: "tls" });
  });

  it("negotiates ALPN h2", async () => {
    const { server } = await serve({ mutual: true });
    const socket = await handshake(server.port, "client");
    expect(socket.alpnProtocol).toBe("h2");
    expect(socket.getPeerCertificate().subject.CN).toBe("server-1");
  });

  it("with a client CA, requires a client certificate that CA signed", async () => {
    const { server, log } = await serve({ mutual: true });
    expect(log.lines.find((l) => l.msg === "gRPC server listening")).toMatchObject({ tls: "mtls" });
    expect((await nodeGroupsAs(server.port, "client")).nodeGroups).toHaveLength(1);
    const without = await callError(nodeGroupsAs(server.port, null));
    expect(without.code).toBe(grpc.status.UNAVAILABLE);
    const rogue = await callError(nodeGroupsAs(server.port, "rogue"));
    expect(rogue.code).toBe(grpc.status.UNAVAILABLE);
  });

  it("refuses to start with a key that does not match the certificate", async () => {
    await expect(
      startGrpcServer({
        listen: { host: "127.0.0.1", port: 0 },
        tls: { certFile: pki.file("server-1.crt"), keyFile: pki.file("server-2.key"), clientCaFile: null },
        service: stubService(),
        logger: captureLogger().logger,
      }),
    ).rejects.toThrow(/gRPC TLS files .*server-1\.crt.*server-2\.key/);
    await expect(
      startGrpcServer({
        listen: { host: "127.0.0.1", port: 0 },
        tls: { certFile: pki.file("missing.crt"), keyFile: pki.file("server-1.key"), clientCaFile: null },
        service: stubService(),
        logger: captureLogger().logger,
      }),
    ).rejects.toThrow(/gRPC TLS certificate .*missing\.crt: cannot read \(ENOENT\)/);
  });

  it("picks up replaced certificate files without a restart, and keeps the old ones when the new are broken", async () => {
    // Files of their own, so replacing them does not disturb the other tests.
    for (const ext of ["crt", "key"]) writeFileSync(pki.file(`live.${ext}`), pem(`server-1.${ext}`));
    const { server, log } = await serve({ mutual: true, reloadMs: 100, certName: "live" });
    expect((await handshake(server.port, "client")).getPeerCertificate().subject.CN).toBe("server-1");

    // A certificate whose key has not arrived yet is not usable: the old pair keeps serving.
    writeFileSync(pki.file("live.crt.tmp"), pem("server-2.crt"));
    renameSync(pki.file("live.crt.tmp"), pki.file("live.crt"));
    await waitFor(() => log.lines.some((l) => l.msg.includes("not usable")));
    expect((await handshake(server.port, "client")).getPeerCertificate().subject.CN).toBe("server-1");

    writeFileSync(pki.file("live.key.tmp"), pem("server-2.key"));
    renameSync(pki.file("live.key.tmp"), pki.file("live.key"));
    await waitFor(
      async () => (await handshake(server.port, "client")).getPeerCertificate().subject.CN === "server-2",
    );
    expect(log.lines.some((l) => l.msg === "gRPC TLS files changed; new connections use them")).toBe(true);
    expect((await nodeGroupsAs(server.port, "client")).nodeGroups).toHaveLength(1);
  });
});

async function waitFor(check: () => boolean | Promise<boolean>, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error("condition not met in time");
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
