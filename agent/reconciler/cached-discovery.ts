/**
 * The API endpoint and CA hash change only when the cluster is rebuilt, so
 * one answer serves many joins; it is asked again after `ttlMs`, and a
 * failure is never kept.
 */
import type { Clock } from "../../shared/clock.ts";
import type { ClusterDiscovery, ClusterJoinInfo } from "../kubernetes/types.ts";

export function cachedDiscovery(
  inner: ClusterDiscovery,
  clock: Clock,
  ttlMs = 10 * 60_000,
): ClusterDiscovery {
  let cached: { info: ClusterJoinInfo; at: number } | null = null;
  return {
    async discover() {
      const now = clock.now().getTime();
      if (cached && now - cached.at < ttlMs) return cached.info;
      const info = await inner.discover();
      cached = { info, at: clock.now().getTime() };
      return info;
    },
  };
}
