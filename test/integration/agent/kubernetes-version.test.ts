/**
 * The cluster version the agent reports (agent/kubernetes/version.ts), read
 * through @kubernetes/client-node from the Kubernetes API test server, and
 * what it reports when there is no API, or no answer in time.
 */
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import net from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { KubeConfig, VersionApi } from "@kubernetes/client-node";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { kubeConfigIfAvailable } from "../../../agent/kubernetes/kube-config.ts";
import { discoverKubernetesVersion, KUBERNETES_VERSION_UNKNOWN } from "../../../agent/kubernetes/version.ts";
import { createLogger } from "../../../shared/logger.ts";
import { closedPort } from "../../support/closed-port.ts";
import { type KubeApiServer, startKubeApiServer } from "../../support/kube-api/index.ts";

function recordingLogger() {
  const lines: Record<string, unknown>[] = [];
  return { lines, logger: createLogger({ sink: (line) => lines.push(JSON.parse(line)) }) };
}

/** A kubeconfig pointing at `server` (no credentials: these servers never check them). */
function kubeConfigAt(server: string): KubeConfig {
  const kc = new KubeConfig();
  kc.loadFromOptions({
    clusters: [{ name: "c", server, skipTLSVerify: true }],
    users: [{ name: "u" }],
    contexts: [{ name: "x", cluster: "c", user: "u" }],
    currentContext: "x",
  });
  return kc;
}

describe("Kubernetes version discovery", () => {
  let kube: KubeApiServer;
  let dir: string;
  beforeAll(async () => {
    kube = await startKubeApiServer();
    dir = await mkdtemp(join(tmpdir(), "ksp-kube-version-"));
  });
  afterAll(async () => {
    await kube?.close();
    await rm(dir, { recursive: true, force: true });
  });

  it("reads the API server's gitVersion through the configured kubeconfig file", async () => {
    const path = join(dir, "kubeconfig");
    await writeFile(path, kube.kubeConfig().exportConfig(), { mode: 0o600 });
    const kubeConfig = kubeConfigIfAvailable(path, {});
    expect(kubeConfig).not.toBeNull();
    const { logger, lines } = recordingLogger();
    expect(await discoverKubernetesVersion(kubeConfig!.makeApiClient(VersionApi), logger)).toBe(
      "v1.31.0-ksp-stand-in",
    );
    expect(lines).toEqual([]);
  });

  it("has no API to ask outside a pod without a kubeconfig", async () => {
    expect(kubeConfigIfAvailable(null, {})).toBeNull();
    expect(await discoverKubernetesVersion(null, recordingLogger().logger)).toBe(KUBERNETES_VERSION_UNKNOWN);
  });

  it("reports unknown, with a warning, when the API server is unreachable", async () => {
    const api = kubeConfigAt(`http://127.0.0.1:${await closedPort()}`).makeApiClient(VersionApi);
    const { logger, lines } = recordingLogger();
    expect(await discoverKubernetesVersion(api, logger)).toBe(KUBERNETES_VERSION_UNKNOWN);
    expect(lines).toEqual([
      expect.objectContaining({
        level: "warn",
        msg: "could not read the Kubernetes version; reporting it as unknown",
      }),
    ]);
  });

  it("does not wait past its deadline for an API server that never answers", async () => {
    const sockets: net.Socket[] = [];
    const silent = net.createServer((socket) => sockets.push(socket)); // accepts, never answers
    await new Promise<void>((resolve) => silent.listen(0, "127.0.0.1", resolve));
    try {
      const { port } = silent.address() as net.AddressInfo;
      const api = kubeConfigAt(`http://127.0.0.1:${port}`).makeApiClient(VersionApi);
      const { logger, lines } = recordingLogger();
      expect(await discoverKubernetesVersion(api, logger, 200)).toBe(KUBERNETES_VERSION_UNKNOWN);
      expect(JSON.stringify(lines)).toContain("no answer within 200 ms");
    } finally {
      for (const socket of sockets) socket.destroy();
      silent.close();
    }
  });
});
