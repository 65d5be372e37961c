/**
 * kube-public/cluster-info, which `kubeadm init` publishes so joining nodes
 * can find the API server and pin its CA: a kubeconfig with a single,
 * unnamed cluster and no users, exactly the shape kubeadm writes.
 */
import { stringify } from "yaml";
import { CLUSTER_CA_PEM } from "./cluster-ca.ts";
import type { KubeStore } from "./store.ts";

export const CLUSTER_INFO = { namespace: "kube-public", name: "cluster-info" } as const;

export function clusterInfoKubeconfig(server: string, caPem = CLUSTER_CA_PEM): string {
  // Unindented sequences, as client-go writes kubeconfigs.
  const style = { indentSeq: false };
  return stringify(
    {
      apiVersion: "v1",
      clusters: [
        {
          cluster: { "certificate-authority-data": Buffer.from(caPem).toString("base64"), server },
          name: "",
        },
      ],
      contexts: null,
      "current-context": "",
      kind: "Config",
      preferences: {},
      users: null,
    },
    style,
  );
}

export function seedClusterInfo(store: KubeStore, server: string): void {
  store.create("configmaps", CLUSTER_INFO.namespace, {
    metadata: { name: CLUSTER_INFO.name },
    data: { kubeconfig: clusterInfoKubeconfig(server) },
  });
}
