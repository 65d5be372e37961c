/**
 * Conversions between externalgrpc wire objects (as @grpc/proto-loader gives
 * them with PROTO_LOADER_OPTIONS: int64 as decimal strings, absent messages
 * as null) and the agent's own types. Every reader is defensive: a field a
 * client left out or filled with nonsense becomes an `invalid_argument`
 * AgentError, never a crash.
 */
import type { AutoscalingOptions, CaNode } from "../cloud-provider/types.ts";
import { AgentError } from "../errors.ts";

type Int64 = string | number;

/** google.protobuf.Duration and google.protobuf.Timestamp (and meta/v1.Time) share this shape. */
export interface SecondsNanos {
  seconds: Int64;
  nanos: number;
}

/** meta/v1 Duration, the legacy options layout: nanoseconds. */
export interface LegacyDuration {
  duration: Int64;
}

export interface WireNode {
  providerID?: string;
  name?: string;
  labels?: Record<string, string> | null;
  annotations?: Record<string, string> | null;
}

export interface WireAutoscalingOptions {
  scaleDownUtilizationThreshold: number;
  scaleDownGpuUtilizationThreshold: number;
  scaleDownUnneededTime: LegacyDuration | null;
  scaleDownUnreadyTime: LegacyDuration | null;
  MaxNodeProvisionTime: LegacyDuration | null;
  zeroOrMaxNodeScaling: boolean;
  ignoreDaemonSetsUtilization: boolean;
  scaleDownUnneededDuration: SecondsNanos | null;
  scaleDownUnreadyDuration: SecondsNanos | null;
  MaxNodeProvisionDuration: SecondsNanos | null;
}

const NANOS_PER_MS = 1_000_000n;

function int64(value: Int64 | undefined, field: string): bigint {
  try {
    return BigInt(value ?? 0);
  } catch {
    throw new AgentError("invalid_argument", `${field}: not an integer`);
  }
}

function finiteMs(ms: number, field: string): number {
  if (!Number.isFinite(ms) || Math.abs(ms) > 8.64e15)
    throw new AgentError("invalid_argument", `${field}: out of range`);
  return ms;
}

export function secondsNanosToMs(value: SecondsNanos, field: string): number {
  const ms = Number(int64(value.seconds, field)) * 1000 + Number(value.nanos ?? 0) / 1e6;
  return finiteMs(ms, field);
}

export function msToSecondsNanos(ms: number): SecondsNanos {
  const totalNanos = BigInt(Math.round(ms)) * NANOS_PER_MS;
  // Duration's seconds and nanos carry the same sign; BigInt division truncates towards zero, as required.
  const seconds = totalNanos / 1_000_000_000n;
  return { seconds: seconds.toString(), nanos: Number(totalNanos - seconds * 1_000_000_000n) };
}

export function legacyDurationToMs(value: LegacyDuration, field: string): number {
  return finiteMs(Number(int64(value.duration, field)) / 1e6, field);
}

export function msToLegacyDuration(ms: number): LegacyDuration {
  return { duration: (BigInt(Math.round(ms)) * NANOS_PER_MS).toString() };
}

export function timestampToDate(value: SecondsNanos, field: string): Date {
  const date = new Date(secondsNanosToMs(value, field));
  if (Number.isNaN(date.getTime())) throw new AgentError("invalid_argument", `${field}: not a valid time`);
  return date;
}

/** The first present timestamp of a (current, legacy) pair, e.g. startTimestamp(4) then startTime(2). */
export function readTimestamp(
  current: SecondsNanos | null | undefined,
  legacy: SecondsNanos | null | undefined,
  field: string,
): Date {
  const value = current ?? legacy;
  if (!value) throw new AgentError("invalid_argument", `${field} is required`);
  return timestampToDate(value, field);
}

export function requireGroupId(id: string | undefined): string {
  if (typeof id !== "string" || id === "")
    throw new AgentError("invalid_argument", "id (the node group id) is required");
  return id;
}

export function toCaNode(node: WireNode | null | undefined, field = "node"): CaNode {
  if (!node) throw new AgentError("invalid_argument", `${field} is required`);
  const providerId = node.providerID ?? "";
  const name = node.name ?? "";
  if (providerId === "" && name === "") {
    throw new AgentError("invalid_argument", `${field}: needs a providerID or a name`);
  }
  // Copies, so the domain never holds on to (or mutates) the decoder's objects.
  return {
    providerId,
    name,
    labels: { ...(node.labels ?? {}) },
    annotations: { ...(node.annotations ?? {}) },
  };
}

/** A duration field from the current layout, else the legacy one, else 0 (what CA would read for "unset"). */
function durationMs(current: SecondsNanos | null, legacy: LegacyDuration | null, field: string): number {
  if (current) return secondsNanosToMs(current, field);
  if (legacy) return legacyDurationToMs(legacy, field);
  return 0;
}

export function readAutoscalingOptions(wire: WireAutoscalingOptions | null | undefined): AutoscalingOptions {
  if (!wire) throw new AgentError("invalid_argument", "defaults is required");
  return {
    scaleDownUtilizationThreshold: wire.scaleDownUtilizationThreshold,
    scaleDownGpuUtilizationThreshold: wire.scaleDownGpuUtilizationThreshold,
    scaleDownUnneededMs: durationMs(
      wire.scaleDownUnneededDuration,
      wire.scaleDownUnneededTime,
      "defaults.scaleDownUnneeded",
    ),
    scaleDownUnreadyMs: durationMs(
      wire.scaleDownUnreadyDuration,
      wire.scaleDownUnreadyTime,
      "defaults.scaleDownUnready",
    ),
    maxNodeProvisionMs: durationMs(
      wire.MaxNodeProvisionDuration,
      wire.MaxNodeProvisionTime,
      "defaults.maxNodeProvision",
    ),
    zeroOrMaxNodeScaling: wire.zeroOrMaxNodeScaling,
    ignoreDaemonSetsUtilization: wire.ignoreDaemonSetsUtilization,
  };
}

/** Both layouts at once: CA ≥ 1.35 reads fields 8-10, older CAs read 3-5; each ignores the other's. */
export function writeAutoscalingOptions(options: AutoscalingOptions): WireAutoscalingOptions {
  return {
    scaleDownUtilizationThreshold: options.scaleDownUtilizationThreshold,
    scaleDownGpuUtilizationThreshold: options.scaleDownGpuUtilizationThreshold,
    zeroOrMaxNodeScaling: options.zeroOrMaxNodeScaling,
    ignoreDaemonSetsUtilization: options.ignoreDaemonSetsUtilization,
    scaleDownUnneededDuration: msToSecondsNanos(options.scaleDownUnneededMs),
    scaleDownUnreadyDuration: msToSecondsNanos(options.scaleDownUnreadyMs),
    MaxNodeProvisionDuration: msToSecondsNanos(options.maxNodeProvisionMs),
    scaleDownUnneededTime: msToLegacyDuration(options.scaleDownUnneededMs),
    scaleDownUnreadyTime: msToLegacyDuration(options.scaleDownUnreadyMs),
    MaxNodeProvisionTime: msToLegacyDuration(options.maxNodeProvisionMs),
  };
}
