/**
 * Readiness with leadership in it. The Service in front of the replicas
 * routes Cluster Autoscaler to ready pods only, and only the leader may act
 * on what CA asks; so a standby, however warm its cache, reports not ready
 * and says who leads instead.
 */
import type { Readiness } from "../health.ts";
import type { Leadership } from "../leadership.ts";

export function leaderReadiness(serving: Readiness, leadership: Leadership): Readiness {
  if (!serving.ready || leadership.isLeader()) return serving;
  const leader = leadership.currentLeader();
  return { ready: false, reason: leader ? `standby: ${leader} leads` : "standby: no replica leads yet" };
}
