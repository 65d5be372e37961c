/**
 * The cluster's Kubernetes version (the API server's gitVersion), reported at
 * registration and in every heartbeat. Asked once at start-up, with a short
 * deadline: a slow or unreachable API server must not hold up registration
 * or serving Cluster Autoscaler, so the answer is then "unknown".
 */
import type { VersionApi } from "@kubernetes/client-node";
import type { Logger } from "../../shared/logger.ts";

export const KUBERNETES_VERSION_UNKNOWN = "unknown";
const DEFAULT_TIMEOUT_MS = 3_000;

export async function discoverKubernetesVersion(
  api: Pick<VersionApi, "getCode"> | null,
  logger: Logger,
  timeoutMs = DEFAULT_TIMEOUT_MS,
): Promise<string> {
  if (api === null) return KUBERNETES_VERSION_UNKNOWN;
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs);
  });
  try {
    const info = await Promise.race([api.getCode(), deadline]);
    return typeof info.gitVersion === "string" && info.gitVersion !== ""
      ? info.gitVersion
      : KUBERNETES_VERSION_UNKNOWN;
  } catch (err) {
    logger.warn("could not read the Kubernetes version; reporting it as unknown", {
      err: err instanceof Error ? err.message : String(err),
    });
    return KUBERNETES_VERSION_UNKNOWN;
  } finally {
    clearTimeout(timer);
  }
}
