/**
 * What the fake kubeadm needs to join like a real one: an API server with
 * cluster-info and a valid bootstrap token, and JoinConfigurations pinning
 * the stand-in's CA.
 */
import { expect } from "vitest";
import {
  CLUSTER_CA_CERT_HASH,
  createBootstrapToken,
  type KubeApiServer,
  startKubeApiServer,
} from "../../../support/kube-api/index.ts";
import type { RegisteredNode } from "../../../support/ssh-hosts/index.ts";

export const JOIN_TOKEN = "k8stok.9f8e7d6c5b4a3f2e";
export const CA_HASH = CLUSTER_CA_CERT_HASH;
/** Another cluster's CA pin. */
export const OTHER_CA_HASH = `sha256:${"0f1e2d3c".repeat(8)}`;

/** An API server holding JOIN_TOKEN, valid for a day, as `kubeadm token create` leaves it. */
export async function startCluster(): Promise<KubeApiServer> {
  const kube = await startKubeApiServer();
  createBootstrapToken(kube.store, JOIN_TOKEN);
  return kube;
}

export interface JoinOptions {
  token?: string;
  caCertHashes?: string[];
  apiVersion?: "v1beta3" | "v1beta4";
  taints?: boolean;
}

/** A worker's JoinConfiguration: providerID and labels as kubelet args, the initializing taint. */
export function joinConfig(name: string, opts: JoinOptions = {}): string {
  const hashes = (opts.caCertHashes ?? [CA_HASH]).map((h) => `"${h}"`).join(", ");
  const extraArgs =
    opts.apiVersion === "v1beta3"
      ? `    provider-id: "ksp://pool-a/${name}"\n    node-labels: "ksp.dev/pool=pool-a,ksp.dev/tier=gpu"\n`
      : `    - name: provider-id\n      value: ksp://pool-a/${name}\n` +
        `    - name: node-labels\n      value: ksp.dev/pool=pool-a,ksp.dev/tier=gpu\n`;
  const taints =
    opts.taints === false
      ? ""
      : `  taints:\n    - key: ksp.dev/initializing\n      value: "true"\n      effect: NoSchedule\n`;
  return `apiVersion: kubeadm.k8s.io/${opts.apiVersion ?? "v1beta4"}
kind: JoinConfiguration
discovery:
  bootstrapToken:
    apiServerEndpoint: 10.255.0.1:6443
    token: ${opts.token ?? JOIN_TOKEN}
    caCertHashes: [${hashes}]
nodeRegistration:
  name: ${name}
  kubeletExtraArgs:
${extraArgs}${taints}`;
}

export async function getNode(kube: KubeApiServer, name: string): Promise<RegisteredNode | undefined> {
  const res = await fetch(`${kube.url}/api/v1/nodes/${name}`);
  if (res.status === 404) return undefined;
  expect(res.status).toBe(200);
  return (await res.json()) as RegisteredNode;
}

/** POST /api/v1/nodes requests the API server has seen so far. */
export const nodePosts = (kube: KubeApiServer) =>
  kube.requests.filter((r) => r.method === "POST" && r.path.startsWith("/api/v1/nodes")).length;
