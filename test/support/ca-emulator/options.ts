/**
 * NodeGroupAutoscalingOptions in both CA layouts. Current CA sends and reads
 * google.protobuf.Duration in fields 8-10; CA ≤ 1.34.1 uses meta/v1 Duration
 * (int64 nanoseconds) in fields 3-5. CA takes the answer field by field as
 * the group's options, so a duration the server leaves unset reads as 0 —
 * exactly what `toGroupOptions` returns, so tests see what CA would see.
 */
import type { CaProtoVersion } from "./client.ts";

export interface GroupOptions {
  scaleDownUtilizationThreshold: number;
  scaleDownGpuUtilizationThreshold: number;
  scaleDownUnneededMs: number;
  scaleDownUnreadyMs: number;
  maxNodeProvisionMs: number;
  zeroOrMaxNodeScaling: boolean;
  ignoreDaemonSetsUtilization: boolean;
}

/** CA's command-line defaults (10 min unneeded/unready, 15 min provisioning). */
export const CA_DEFAULT_OPTIONS: GroupOptions = {
  scaleDownUtilizationThreshold: 0.5,
  scaleDownGpuUtilizationThreshold: 0.5,
  scaleDownUnneededMs: 10 * 60_000,
  scaleDownUnreadyMs: 20 * 60_000,
  maxNodeProvisionMs: 15 * 60_000,
  zeroOrMaxNodeScaling: false,
  ignoreDaemonSetsUtilization: false,
};

const DURATIONS = [
  { ms: "scaleDownUnneededMs", current: "scaleDownUnneededDuration", legacy: "scaleDownUnneededTime" },
  { ms: "scaleDownUnreadyMs", current: "scaleDownUnreadyDuration", legacy: "scaleDownUnreadyTime" },
  { ms: "maxNodeProvisionMs", current: "MaxNodeProvisionDuration", legacy: "MaxNodeProvisionTime" },
] as const;

type Wire = Record<string, unknown>;

/** The wire message CA sends as `defaults`. */
export function fromGroupOptions(options: GroupOptions, version: CaProtoVersion): Wire {
  const wire: Wire = {
    scaleDownUtilizationThreshold: options.scaleDownUtilizationThreshold,
    scaleDownGpuUtilizationThreshold: options.scaleDownGpuUtilizationThreshold,
    zeroOrMaxNodeScaling: options.zeroOrMaxNodeScaling,
    ignoreDaemonSetsUtilization: options.ignoreDaemonSetsUtilization,
  };
  for (const d of DURATIONS) {
    const ms = options[d.ms];
    wire[d[version]] =
      version === "legacy"
        ? { duration: String(BigInt(ms) * 1_000_000n) }
        : { seconds: String(Math.floor(ms / 1000)), nanos: (ms % 1000) * 1_000_000 };
  }
  return wire;
}

// biome-ignore lint/suspicious/noExplicitAny: proto-loader objects shaped by the reference proto.
function durationMs(value: any, version: CaProtoVersion): number {
  if (!value) return 0;
  if (version === "legacy") return Number(BigInt(value.duration ?? "0") / 1_000_000n);
  return Number(value.seconds ?? 0) * 1000 + Math.floor(Number(value.nanos ?? 0) / 1_000_000);
}

/** What CA uses after reading the answer (null message → all zero, as Go's nil-safe getters give). */
export function toGroupOptions(wire: Wire | null, version: CaProtoVersion): GroupOptions {
  const w = wire ?? {};
  return {
    scaleDownUtilizationThreshold: Number(w.scaleDownUtilizationThreshold ?? 0),
    scaleDownGpuUtilizationThreshold: Number(w.scaleDownGpuUtilizationThreshold ?? 0),
    scaleDownUnneededMs: durationMs(w[DURATIONS[0][version]], version),
    scaleDownUnreadyMs: durationMs(w[DURATIONS[1][version]], version),
    maxNodeProvisionMs: durationMs(w[DURATIONS[2][version]], version),
    zeroOrMaxNodeScaling: Boolean(w.zeroOrMaxNodeScaling),
    ignoreDaemonSetsUtilization: Boolean(w.ignoreDaemonSetsUtilization),
  };
}
