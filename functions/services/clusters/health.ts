/**
 * A cluster's health is derived from its last agent heartbeat, never stored:
 * stored health would be stale the moment the agent goes quiet. The same
 * thresholds drive the SQL filter and the presented value, so a list
 * filtered by `status=degraded` only ever returns degraded items.
 */
import { and, gt, isNotNull, isNull, lte, type SQL } from "drizzle-orm";
import { clusters } from "../../../drizzle/schema/clusters.ts";

export const CLUSTER_HEALTHS = ["healthy", "degraded", "offline", "unknown"] as const;
export type ClusterHealth = (typeof CLUSTER_HEALTHS)[number];

export interface HealthThresholds {
  /** no heartbeat for this long: degraded */
  heartbeatDegradedMs: number;
  /** no heartbeat for this long: offline */
  heartbeatOfflineMs: number;
}

export function deriveHealth(
  lastHeartbeatAt: Date | null,
  now: Date,
  thresholds: HealthThresholds,
): ClusterHealth {
  if (!lastHeartbeatAt) return "unknown";
  const age = now.getTime() - lastHeartbeatAt.getTime();
  if (age < thresholds.heartbeatDegradedMs) return "healthy";
  if (age < thresholds.heartbeatOfflineMs) return "degraded";
  return "offline";
}

/** The WHERE condition selecting clusters whose derived health is `health` at `now`. */
export function healthCondition(health: ClusterHealth, now: Date, thresholds: HealthThresholds): SQL {
  const degradedSince = new Date(now.getTime() - thresholds.heartbeatDegradedMs);
  const offlineSince = new Date(now.getTime() - thresholds.heartbeatOfflineMs);
  const beat = clusters.lastHeartbeatAt;
  switch (health) {
    case "unknown":
      return isNull(beat);
    case "healthy":
      return gt(beat, degradedSince);
    case "degraded":
      return and(isNotNull(beat), lte(beat, degradedSince), gt(beat, offlineSince)) as SQL;
    case "offline":
      return lte(beat, offlineSince);
  }
}
