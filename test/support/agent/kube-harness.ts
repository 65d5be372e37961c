/**
 * The real Kubernetes adapters wired to a fresh Kubernetes API stand-in, with
 * seeding through the stand-in's store: the real side of the contract in
 * kube-contract.ts, and the base of the real-only integration tests.
 */
import { CoreV1Api, type V1Node, type V1Pod, type V1Secret } from "@kubernetes/client-node";
import {
  bootstrapTokenSecret,
  MANAGED_BY_LABEL,
  secretExpiration,
  TOKEN_NAMESPACE,
  TOKEN_SECRET_TYPE,
} from "../../../agent/kubernetes/bootstrap-token-secret.ts";
import { createBootstrapTokens } from "../../../agent/kubernetes/bootstrap-tokens.ts";
import { createClusterDiscovery } from "../../../agent/kubernetes/cluster-discovery.ts";
import { CLUSTER_INFO } from "../../../agent/kubernetes/cluster-info.ts";
import { CORDONED_FOR_ANNOTATION } from "../../../agent/kubernetes/cordon-mark.ts";
import { toNodeInfo } from "../../../agent/kubernetes/node-info.ts";
import { createNodeInformer } from "../../../agent/kubernetes/node-informer.ts";
import { createNodeOperations } from "../../../agent/kubernetes/node-operations.ts";
import { ManualClock } from "../../../shared/clock.ts";
import { createLogger } from "../../../shared/logger.ts";
import { KubeApiError, type KubeApiServer, type KubeObject, startKubeApiServer } from "../kube-api/index.ts";
import type { ContractNode, KubeContractHarness } from "./kube-contract.ts";
import { clusterInfoKubeconfig, makeTestCa, type TestCa } from "./test-ca.ts";

export const IDENTITY = "agent-test-0";

export interface RealKube extends KubeContractHarness {
  kube: KubeApiServer;
  core: CoreV1Api;
  clock: ManualClock;
  logs: Record<string, unknown>[];
}

let sharedCa: TestCa | undefined;
/** One CA per test process: openssl takes a moment and any CA will do. */
export const testCa = () => {
  sharedCa ??= makeTestCa();
  return sharedCa;
};

export function nodeObject(name: string, node: ContractNode): KubeObject {
  return {
    metadata: {
      name,
      ...(node.labels ? { labels: node.labels } : {}),
      ...(node.cordonedFor ? { annotations: { [CORDONED_FOR_ANNOTATION]: node.cordonedFor } } : {}),
    },
    spec: {
      ...(node.providerId ? { providerID: node.providerId } : {}),
      ...(node.taints ? { taints: node.taints } : {}),
      ...(node.unschedulable ? { unschedulable: true } : {}),
    },
    status: { conditions: [{ type: "Ready", status: node.ready === false ? "False" : "True" }] },
  };
}

/** Creates or replaces a namespaced object in the stand-in's store (it may seed some itself). */
export function upsert(kube: KubeApiServer, resource: "configmaps" | "secrets", object: KubeObject): void {
  const { namespace, name } = object.metadata;
  try {
    kube.store.create(resource, namespace, object);
  } catch (err) {
    if (!(err instanceof KubeApiError && err.code === 409)) throw err;
    const current = kube.store.get(resource, namespace, name!);
    kube.store.update(resource, namespace, name!, {
      ...object,
      metadata: { ...current.metadata, ...object.metadata },
    });
  }
}

export function publishClusterInfo(kube: KubeApiServer, server: string, caPem: string): void {
  upsert(kube, "configmaps", {
    metadata: { name: CLUSTER_INFO.name, namespace: CLUSTER_INFO.namespace },
    data: { kubeconfig: clusterInfoKubeconfig(server, caPem) },
  });
}

export function removeClusterInfo(kube: KubeApiServer): void {
  try {
    kube.store.delete("configmaps", CLUSTER_INFO.namespace, CLUSTER_INFO.name);
  } catch {}
}

export async function startRealKube(): Promise<RealKube> {
  const kube = await startKubeApiServer();
  const kubeConfig = kube.kubeConfig();
  const core = kubeConfig.makeApiClient(CoreV1Api);
  const clock = new ManualClock(new Date("2026-12-06T20:00:00.250Z"));
  const logs: Record<string, unknown>[] = [];
  const logger = createLogger({ level: "debug", sink: (line) => logs.push(JSON.parse(line)) });
  const informer = createNodeInformer(kubeConfig, { logger, retry: { baseMs: 20, maxMs: 200 } });
  const operations = createNodeOperations(core, {
    logger,
    evictionRetry: { baseMs: 20, maxMs: 100 },
    pollIntervalMs: 20,
  });
  const tokens = createBootstrapTokens(core, { clock, identity: IDENTITY, logger });
  const discovery = createClusterDiscovery(core);
  const store = kube.store;

  return {
    kube,
    core,
    clock,
    logs,
    informer,
    operations,
    tokens,
    discovery,
    identity: IDENTITY,
    async addNode(name, node) {
      store.create("nodes", undefined, nodeObject(name, node), { keepStatus: true });
    },
    async setReady(name, ready) {
      const current = store.get("nodes", undefined, name);
      const status = { conditions: [{ type: "Ready", status: ready ? "True" : "False" }] };
      store.update("nodes", undefined, name, { ...current, status }, { subresource: "status" });
    },
    async removeNode(name) {
      store.delete("nodes", undefined, name);
    },
    async storedNode(name) {
      try {
        return toNodeInfo(store.get("nodes", undefined, name) as V1Node);
      } catch {
        return undefined;
      }
    },
    async addPod(pod: V1Pod, options = {}) {
      const namespace = pod.metadata?.namespace ?? "default";
      store.create("pods", namespace, pod as KubeObject, { keepStatus: true });
      if (options.pdbBlocked) {
        // Its only healthy pod and minAvailable 1: no disruption allowed until a replacement is Ready.
        store.create("poddisruptionbudgets", namespace, {
          metadata: { name: `${pod.metadata?.name}-pdb` },
          spec: { minAvailable: 1, selector: { matchLabels: pod.metadata?.labels ?? {} } },
        });
      }
    },
    async releasePdb(podName) {
      const pod = store.get("pods", "default", podName);
      const replacement = structuredClone(pod);
      replacement.metadata = {
        name: `${podName}-replacement`,
        namespace: "default",
        labels: pod.metadata.labels ?? {},
      };
      (replacement.spec as { nodeName: string }).nodeName = "other-node";
      store.create("pods", "default", replacement, { keepStatus: true });
    },
    async podsOn(node) {
      return store
        .list("pods")
        .items.filter((p) => (p.spec as { nodeName?: string }).nodeName === node)
        .map((p) => `${p.metadata.namespace}/${p.metadata.name}`);
    },
    async storedTokens() {
      return store
        .list("secrets", { namespace: TOKEN_NAMESPACE })
        .items.filter((s) => s.type === TOKEN_SECRET_TYPE)
        .map((s) => {
          const data = s.data as Record<string, string>;
          const text = (key: string) => Buffer.from(data[key] ?? "", "base64").toString("utf8");
          return {
            id: text("token-id"),
            description: text("description"),
            expiresAt: secretExpiration(s as V1Secret)!,
          };
        });
    },
    async addForeignToken(id, expiresAt) {
      const secret = bootstrapTokenSecret({
        id,
        secret: "0123456789abcdef",
        expiresAt,
        description: "foreign",
      });
      delete secret.metadata?.labels?.[MANAGED_BY_LABEL];
      store.create("secrets", TOKEN_NAMESPACE, secret as KubeObject);
    },
    tokensAs: (other) => createBootstrapTokens(core, { clock, identity: other, logger }),
    now: () => clock.now(),
    advance: (ms) => clock.advance(ms),
    async setClusterInfo(apiEndpoint) {
      if (apiEndpoint === null) {
        removeClusterInfo(kube);
        return null;
      }
      publishClusterInfo(kube, `https://${apiEndpoint}`, testCa().pem);
      return { apiEndpoint, caCertHash: testCa().hash };
    },
    async close() {
      await informer.stop();
      await kube.close();
    },
  };
}
