/**
 * Both API server probes against the Kubernetes API test server: the figures
 * (version, Nodes read in pages, summed capacity and allocatable), and each
 * failure classified with a short error that never holds the credential:
 * 401 → unauthorized; a closed port, a server that does not answer in time →
 * unreachable. The fetch probe (what a Worker runs) refuses, without a
 * request, what a Worker's fetch cannot do; the Node probe does it over TLS
 * against the test server behind an https front with a private CA and
 * client-certificate authentication.
 */
import { once } from "node:events";
import http from "node:http";
import https from "node:https";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  fetchApiServerProbe,
  NEEDS_NODE_CONTROL_PLANE,
} from "../../../../functions/lib/kube-probe/fetch-probe.ts";
import { nodeApiServerProbe } from "../../../../functions/lib/kube-probe/node-probe.ts";
import type { ApiServerProbe } from "../../../../functions/lib/kube-probe/types.ts";
import type { KubeconfigAuth, ParsedKubeconfig } from "../../../../functions/lib/kubeconfig/types.ts";
import { closedPort } from "../../../support/closed-port.ts";
import { type KubeApiServer, type KubeObject, startKubeApiServer } from "../../../support/kube-api/index.ts";
import { uniqueToken } from "../../../support/kubeconfig-fixtures.ts";
import { requireService } from "../../../support/services.ts";
import { createMtlsPki, type MtlsPki, opensslAvailable } from "../../../support/test-pki.ts";

const NODES = 1203; // three pages of 500
const TOKEN = uniqueToken();

function node(i: number): KubeObject {
  return {
    metadata: { name: `node-${i}` },
    status: {
      capacity: { cpu: "2", memory: "4Gi" },
      allocatable: { cpu: "1900m", memory: "3.5Gi" },
      conditions: [{ type: "Ready", status: i % 100 === 0 ? "False" : "True" }],
    },
  };
}

const kubeconfig = (server: string, auth: KubeconfigAuth, extra: Partial<ParsedKubeconfig> = {}) => ({
  contextName: "test",
  server,
  insecureSkipTlsVerify: false,
  auth,
  ...extra,
});

const PROBES: [string, () => ApiServerProbe][] = [
  ["fetch", () => fetchApiServerProbe()],
  ["node:https", () => nodeApiServerProbe()],
];

describe.each(PROBES)("%s probe against the Kubernetes API test server", (_name, makeProbe) => {
  let kube: KubeApiServer;
  const probe = makeProbe();

  beforeAll(async () => {
    kube = await startKubeApiServer({ requireToken: TOKEN });
    for (let i = 0; i < NODES; i++) kube.store.create("nodes", undefined, node(i), { keepStatus: true });
  });
  afterAll(() => kube?.close());

  it("reads the version and every Node, in pages", async () => {
    const result = await probe.check(kubeconfig(kube.url, { kind: "token", token: TOKEN }), {
      timeoutMs: 10_000,
    });
    expect(result).toMatchObject({
      reachable: true,
      gitVersion: "v1.31.0-ksp-stand-in",
      nodes: { total: NODES, ready: NODES - 13 },
      capacity: { cpuMillis: NODES * 2000, memoryBytes: NODES * 4 * 2 ** 30 },
      allocatable: { cpuMillis: NODES * 1900, memoryBytes: NODES * 3.5 * 2 ** 30 },
    });
    const pages = kube.requests.filter((r) => r.path.startsWith("/api/v1/nodes?limit=500"));
    expect(pages).toHaveLength(3);
    expect(pages.slice(1).every((r) => r.path.includes("&continue="))).toBe(true);
  });

  it("answers unauthorized for a refused token, without the token in the error", async () => {
    const wrong = uniqueToken();
    const result = await probe.check(kubeconfig(kube.url, { kind: "token", token: wrong }), {
      timeoutMs: 5_000,
    });
    expect(result).toMatchObject({
      reachable: false,
      kind: "unauthorized",
      gitVersion: "v1.31.0-ksp-stand-in",
    });
    expect(JSON.stringify(result)).not.toContain(wrong);
    expect(!result.reachable && result.error).toContain("HTTP 401");
  });

  it("answers unreachable for a closed port", async () => {
    const server = `http://127.0.0.1:${await closedPort()}`;
    const result = await probe.check(kubeconfig(server, { kind: "token", token: TOKEN }), {
      timeoutMs: 5_000,
    });
    expect(result).toMatchObject({ reachable: false, kind: "unreachable" });
    expect(!result.reachable && result.error).toContain(`could not reach ${server}`);
    expect(JSON.stringify(result)).not.toContain(TOKEN);
  });

  it("answers unreachable when the server does not answer within the timeout", async () => {
    const hold = kube.hold({ method: "GET", path: /^\/api\/v1\/nodes/ });
    try {
      const started = Date.now();
      const result = await probe.check(kubeconfig(kube.url, { kind: "token", token: TOKEN }), {
        timeoutMs: 200,
      });
      expect(Date.now() - started).toBeLessThan(2_000);
      expect(result).toMatchObject({
        reachable: false,
        kind: "unreachable",
        error: "no answer within 0.2 s",
      });
      expect(hold.held()).toBe(1);
    } finally {
      hold.release();
    }
  });

  it("stops when its signal aborts", async () => {
    const hold = kube.hold({ method: "GET", path: /^\/version/ });
    try {
      const controller = new AbortController();
      const pending = probe.check(kubeconfig(kube.url, { kind: "token", token: TOKEN }), {
        timeoutMs: 10_000,
        signal: controller.signal,
      });
      await hold.waitHeld(1, 2_000);
      controller.abort();
      expect(await pending).toMatchObject({ reachable: false, kind: "unreachable" });
    } finally {
      hold.release();
    }
  });
});

describe("fetch probe: what a Worker's fetch cannot do", () => {
  let kube: KubeApiServer;
  beforeAll(async () => {
    kube = await startKubeApiServer();
  });
  afterAll(() => kube?.close());

  it("refuses client certificates, a private CA and tls-server-name by name, without a request", async () => {
    const probe = fetchApiServerProbe();
    const https = kube.url.replace("http:", "https:");
    const cases = [
      kubeconfig(kube.url, { kind: "client-certificate", certificatePem: "CERT", keyPem: "SECRET-KEY-PEM" }),
      kubeconfig(https, { kind: "token", token: TOKEN }, { certificateAuthorityPem: "CA" }),
      kubeconfig(https, { kind: "token", token: TOKEN }, { tlsServerName: "api.internal" }),
    ];
    for (const config of cases) {
      const result = await probe.check(config, { timeoutMs: 1_000 });
      expect(result).toMatchObject({ reachable: false, kind: "unreachable", final: true });
      expect(!result.reachable && result.error).toContain(NEEDS_NODE_CONTROL_PLANE);
    }
    expect(kube.requests).toHaveLength(0);
  });

  it("sends basic auth as an Authorization header", async () => {
    const seen: (string | undefined)[] = [];
    const probe = fetchApiServerProbe(async (input, init) => {
      seen.push(new Headers(init.headers).get("authorization") ?? undefined);
      return fetch(input, init);
    });
    const result = await probe.check(
      kubeconfig(kube.url, { kind: "basic", username: "admin", password: "pässword" }),
      { timeoutMs: 5_000 },
    );
    expect(result.reachable).toBe(true);
    expect(seen[0]).toBe(`Basic ${Buffer.from("admin:pässword", "utf8").toString("base64")}`);
  });
});

const opensslOk = await requireService("openssl", opensslAvailable);

/** The test server behind TLS: a private CA's server certificate, client certificates required. */
describe.skipIf(!opensslOk)("node:https probe over TLS with a private CA and a client certificate", () => {
  let kube: KubeApiServer;
  let pki: MtlsPki;
  let front: https.Server;
  let url: string;

  beforeAll(async () => {
    kube = await startKubeApiServer();
    kube.store.create("nodes", undefined, node(1), { keepStatus: true });
    pki = await createMtlsPki();
    const target = new URL(kube.url);
    front = https.createServer(
      {
        cert: pki.server.cert,
        key: pki.server.key,
        ca: pki.ca.cert,
        requestCert: true,
        rejectUnauthorized: true,
      },
      (req, res) => {
        const upstream = http.request(
          {
            host: target.hostname,
            port: target.port,
            path: req.url,
            method: req.method,
            headers: req.headers,
          },
          (answer) => {
            res.writeHead(answer.statusCode ?? 502, answer.headers);
            answer.pipe(res);
          },
        );
        upstream.on("error", () => res.destroy());
        req.pipe(upstream);
      },
    );
    front.listen(0, "127.0.0.1");
    await once(front, "listening");
    url = `https://127.0.0.1:${(front.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    front?.closeAllConnections();
    await new Promise<void>((resolve) => (front ? front.close(() => resolve()) : resolve()));
    await kube?.close();
    pki?.remove();
  });

  const clientAuth = (): KubeconfigAuth => ({
    kind: "client-certificate",
    certificatePem: pki.client.cert.toString(),
    keyPem: pki.client.key.toString(),
  });

  it("checks with the kubeconfig's CA and client certificate", async () => {
    const result = await nodeApiServerProbe().check(
      kubeconfig(url, clientAuth(), { certificateAuthorityPem: pki.ca.cert.toString() }),
      { timeoutMs: 5_000 },
    );
    expect(result).toMatchObject({ reachable: true, nodes: { total: 1, ready: 1 } });
  });

  it("honours tls-server-name and insecure-skip-tls-verify", async () => {
    const probe = nodeApiServerProbe();
    const ca = pki.ca.cert.toString();
    const named = await probe.check(
      kubeconfig(url, clientAuth(), { certificateAuthorityPem: ca, tlsServerName: "localhost" }),
      { timeoutMs: 5_000 },
    );
    expect(named.reachable).toBe(true);
    const misnamed = await probe.check(
      kubeconfig(url, clientAuth(), { certificateAuthorityPem: ca, tlsServerName: "api.elsewhere.example" }),
      { timeoutMs: 5_000 },
    );
    expect(misnamed).toMatchObject({ reachable: false, kind: "unreachable" });
    expect(!misnamed.reachable && misnamed.error).toContain("TLS with");
    const skipped = await probe.check(kubeconfig(url, clientAuth(), { insecureSkipTlsVerify: true }), {
      timeoutMs: 5_000,
    });
    expect(skipped.reachable).toBe(true);
  });

  it("answers unreachable, naming TLS, when the server's CA is not trusted or the client is refused", async () => {
    const probe = nodeApiServerProbe();
    const untrusted = await probe.check(kubeconfig(url, clientAuth()), { timeoutMs: 5_000 });
    expect(untrusted).toMatchObject({ reachable: false, kind: "unreachable" });
    expect(!untrusted.reachable && untrusted.error).toContain("TLS with");
    const key = pki.strangerClient.key.toString();
    const stranger = await probe.check(
      kubeconfig(
        url,
        { kind: "client-certificate", certificatePem: pki.strangerClient.cert.toString(), keyPem: key },
        { certificateAuthorityPem: pki.ca.cert.toString() },
      ),
      { timeoutMs: 5_000 },
    );
    expect(stranger).toMatchObject({ reachable: false, kind: "unreachable" });
    expect(JSON.stringify(stranger)).not.toContain(key.split("\n")[1]!);
  });
});
