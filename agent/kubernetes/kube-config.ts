/**
 * The agent's way to the Kubernetes API: a kubeconfig file when one is
 * configured (running outside the cluster, the sandbox, tests), otherwise
 * the pod's service account. Built once in the composition root.
 */
import { KubeConfig } from "@kubernetes/client-node";

export function loadKubeConfig(kubeconfigPath: string | null): KubeConfig {
  const kubeConfig = new KubeConfig();
  if (kubeconfigPath !== null) kubeConfig.loadFromFile(kubeconfigPath);
  else kubeConfig.loadFromCluster();
  return kubeConfig;
}

/**
 * The same, or null when there is no API to reach: no kubeconfig and not in
 * a pod (Kubernetes sets KUBERNETES_SERVICE_HOST in every container).
 */
export function kubeConfigIfAvailable(
  kubeconfigPath: string | null,
  env: Readonly<Record<string, string | undefined>>,
): KubeConfig | null {
  if (kubeconfigPath === null && !env.KUBERNETES_SERVICE_HOST) return null;
  return loadKubeConfig(kubeconfigPath);
}
