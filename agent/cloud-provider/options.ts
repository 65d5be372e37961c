/**
 * NodeGroupGetOptions. Whatever we answer replaces CA's defaults field by
 * field, and an unset duration would become 0 (nodes deleted right after
 * creation), so we always answer a complete set: CA's defaults from the
 * request, overlaid by what the pool sets. A pool that sets nothing gets
 * null → Unimplemented, which keeps CA's defaults untouched (and, on CA ≥
 * 1.35, its node startup time).
 */
import type { PoolAutoscalingOptions } from "../../proto/agent-api.ts";
import type { AutoscalingOptions } from "./types.ts";

const seconds = (value: number | undefined) => (value === undefined ? undefined : value * 1000);

export function overlayOptions(
  defaults: AutoscalingOptions,
  pool: PoolAutoscalingOptions | null,
): AutoscalingOptions | null {
  if (!pool) return null;
  return {
    scaleDownUtilizationThreshold:
      pool.scaleDownUtilizationThreshold ?? defaults.scaleDownUtilizationThreshold,
    scaleDownGpuUtilizationThreshold:
      pool.scaleDownGpuUtilizationThreshold ?? defaults.scaleDownGpuUtilizationThreshold,
    scaleDownUnneededMs: seconds(pool.scaleDownUnneededSeconds) ?? defaults.scaleDownUnneededMs,
    scaleDownUnreadyMs: seconds(pool.scaleDownUnreadySeconds) ?? defaults.scaleDownUnreadyMs,
    maxNodeProvisionMs: seconds(pool.maxNodeProvisionSeconds) ?? defaults.maxNodeProvisionMs,
    zeroOrMaxNodeScaling: pool.zeroOrMaxNodeScaling ?? defaults.zeroOrMaxNodeScaling,
    ignoreDaemonSetsUtilization: pool.ignoreDaemonSetsUtilization ?? defaults.ignoreDaemonSetsUtilization,
  };
}
