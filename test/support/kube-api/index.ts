/**
 * An in-memory Kubernetes API server for tests: real status codes and Status
 * bodies, one global resourceVersion, optimistic concurrency, selectors,
 * merge/JSON patch, watches with replay and 410, and PDB-checked eviction.
 * Like a kubeadm cluster it publishes kube-public/cluster-info (its own URL
 * and a fixed CA, CLUSTER_CA_PEM), so nodes can join with bootstrap tokens.
 *
 *   const kube = await startKubeApiServer();
 *   const core = kube.kubeConfig().makeApiClient(CoreV1Api);
 *   ...
 *   await kube.close();
 */
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { KubeConfig } from "@kubernetes/client-node";
import { type Clock, systemClock } from "../../../shared/clock.ts";
import { recordUsage } from "../usage.ts";
import { seedClusterInfo } from "./cluster-info.ts";
import { type Hold, type HoldMatch, RequestHolds } from "./holds.ts";
import { type MetricsAvailability, NodeMetricsServer } from "./metrics.ts";
import { createRequestHandler, type RequestRecord, type RouterContext } from "./router.ts";
import { KubeStore } from "./store.ts";

export {
  type BootstrapTokenOptions,
  bootstrapTokenSecret,
  createBootstrapToken,
} from "./bootstrap-token.ts";
export { CLUSTER_CA_CERT_HASH, CLUSTER_CA_PEM, caCertHash } from "./cluster-ca.ts";
export { CLUSTER_INFO, clusterInfoKubeconfig } from "./cluster-info.ts";
export { computeBudget, isHealthy } from "./eviction.ts";
export type { Hold, HoldMatch } from "./holds.ts";
export type { MetricsAvailability, NodeMetricsServer, NodeUsage } from "./metrics.ts";
export type { KubeObject, ResourceName } from "./registry.ts";
export {
  type ReplicaController,
  type ReplicaControllerOptions,
  startReplicaController,
} from "./replica-controller.ts";
export type { RequestRecord } from "./router.ts";
export { isSchedulable, type Taint, type Toleration } from "./scheduler.ts";
export { KubeApiError } from "./status.ts";
export { KubeStore } from "./store.ts";

export interface KubeApiServerOptions {
  port?: number;
  host?: string;
  /** When given, requests must carry `Authorization: Bearer <one of these>` or get 401. */
  requireToken?: string | string[];
  /** The token the returned kubeConfig() sends; defaults to the first required token. */
  clientToken?: string;
  clock?: Clock;
  /** Writes retained for watch replay; older resourceVersions get 410 Expired. Default 1000. */
  historyLimit?: number;
  /** Interval between BOOKMARK events on watches that allow them. Default 1000 ms. */
  bookmarkIntervalMs?: number;
  /** Publish kube-public/cluster-info (server: this URL, CA: CLUSTER_CA_PEM). Default true. */
  clusterInfo?: boolean;
  /** metrics.k8s.io NodeMetrics (metrics-server): default "absent", as in a bare kubeadm cluster. */
  metrics?: MetricsAvailability;
}

export interface KubeApiServer {
  url: string;
  kubeConfig(token?: string): KubeConfig;
  store: KubeStore;
  /** metrics-server's NodeMetrics: seed usage per Node, switch availability (absent → 404, unavailable → 503) */
  metrics: NodeMetricsServer;
  /** Every finished request (method, path with query, status, bearer token), oldest first. */
  requests: RequestRecord[];
  /** Ends every open watch stream, as an API server restart would; clients must re-watch. */
  dropWatches(): void;
  /** Replace the accepted tokens at runtime (token rotation tests); undefined accepts any. */
  setAcceptedTokens(tokens: string[] | undefined): void;
  /** Requests matching `match` wait unanswered until the returned hold is released (see holds.ts). */
  hold(match: HoldMatch): Hold;
  close(): Promise<void>;
}

export async function startKubeApiServer(opts: KubeApiServerOptions = {}): Promise<KubeApiServer> {
  const host = opts.host ?? "127.0.0.1";
  const required = opts.requireToken === undefined ? undefined : [opts.requireToken].flat();
  const store = new KubeStore({ clock: opts.clock ?? systemClock, historyLimit: opts.historyLimit ?? 1000 });
  const ctx: RouterContext = {
    store,
    watch: { bookmarkIntervalMs: opts.bookmarkIntervalMs ?? 1000 },
    activeWatches: new Set(),
    acceptedTokens: required ? new Set(required) : undefined,
    serverAddress: "",
    requestLog: [],
    holds: new RequestHolds(),
    metrics: new NodeMetricsServer(store, opts.metrics),
  };
  const server = createServer(createRequestHandler(ctx));
  server.on("clientError", (_err, socket) => socket.destroy());
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(opts.port ?? 0, host, () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  const hostForUrl = host.includes(":") ? `[${host}]` : host;
  ctx.serverAddress = `${hostForUrl}:${port}`;
  const url = `http://${ctx.serverAddress}`;
  if (opts.clusterInfo ?? true) seedClusterInfo(store, url);
  recordUsage("stand-in", "kube-api-test-server");

  return {
    url,
    store,
    metrics: ctx.metrics,
    requests: ctx.requestLog,
    kubeConfig(token = opts.clientToken ?? required?.[0] ?? "stand-in-token") {
      const kc = new KubeConfig();
      kc.loadFromOptions({
        clusters: [{ name: "stand-in", server: url, skipTLSVerify: true }],
        users: [{ name: "stand-in", token }],
        contexts: [{ name: "stand-in", cluster: "stand-in", user: "stand-in", namespace: "default" }],
        currentContext: "stand-in",
      });
      return kc;
    },
    dropWatches() {
      for (const stop of [...ctx.activeWatches]) stop();
    },
    setAcceptedTokens(tokens) {
      ctx.acceptedTokens = tokens ? new Set(tokens) : undefined;
    },
    hold: (match) => ctx.holds.add(match),
    async close() {
      ctx.holds.releaseAll();
      for (const stop of [...ctx.activeWatches]) stop();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
