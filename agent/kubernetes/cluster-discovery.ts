/**
 * Where joining machines find the cluster and how they trust it: read from
 * kube-public/cluster-info on every call (a CA rotation or a moved endpoint
 * is picked up by the next join batch), unless the operator configured one
 * or both values. With both configured there is no API call at all, so
 * clusters that are not kubeadm-made (no cluster-info) still work.
 */
import type { CoreV1Api } from "@kubernetes/client-node";
import {
  CLUSTER_INFO,
  caCertHashOfData,
  endpointFromServer,
  isApiEndpoint,
  isCaCertHash,
  joinInfoFromKubeconfig,
} from "./cluster-info.ts";
import { isNotFound, KubeError, kubeError } from "./kube-error.ts";
import type { ClusterDiscovery } from "./types.ts";

export type ConfigMapsApi = Pick<CoreV1Api, "readNamespacedConfigMap">;

export interface ClusterDiscoveryOptions {
  /** host:port of the API server for kubeadm join; overrides cluster-info's server */
  apiEndpoint?: string;
  /** "sha256:<64 hex>"; overrides the hash of cluster-info's CA */
  caCertHash?: string;
}

/** The error when the ConfigMap is absent; names the flags that make it unnecessary. */
export const CLUSTER_INFO_MISSING =
  `${CLUSTER_INFO.namespace}/${CLUSTER_INFO.name} not found: is this a kubeadm cluster? ` +
  "set --api-server-endpoint and --ca-cert-hash";

/** Throws on a malformed override at construction, so a bad flag stops the agent at start-up. */
export function createClusterDiscovery(
  api: ConfigMapsApi,
  options: ClusterDiscoveryOptions = {},
): ClusterDiscovery {
  const { apiEndpoint, caCertHash } = options;
  if (apiEndpoint !== undefined && !isApiEndpoint(apiEndpoint)) {
    throw new KubeError(`API server endpoint "${apiEndpoint}" is not host:port (IPv6 in brackets)`);
  }
  if (caCertHash !== undefined && !isCaCertHash(caCertHash)) {
    throw new KubeError('CA certificate hash must be "sha256:" followed by 64 lowercase hex digits');
  }

  const readClusterInfo = async () => {
    try {
      const configMap = await api.readNamespacedConfigMap(CLUSTER_INFO);
      return joinInfoFromKubeconfig(configMap.data?.kubeconfig);
    } catch (err) {
      if (err instanceof KubeError) throw err;
      const failure = kubeError(`cannot read ${CLUSTER_INFO.namespace}/${CLUSTER_INFO.name}`, err);
      if (isNotFound(failure)) throw new KubeError(CLUSTER_INFO_MISSING, { status: 404, reason: "NotFound" });
      throw failure;
    }
  };

  return {
    async discover() {
      if (apiEndpoint !== undefined && caCertHash !== undefined) return { apiEndpoint, caCertHash };
      const found = await readClusterInfo();
      return {
        apiEndpoint: apiEndpoint ?? endpointFromServer(found.server),
        caCertHash: caCertHash ?? caCertHashOfData(found.caData),
      };
    },
  };
}
