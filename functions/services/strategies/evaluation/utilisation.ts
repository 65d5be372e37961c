/**
 * A pool's utilisation of one metric on one day, in percent of allocatable:
 * usage (what pods used, the day's average) or allocated (what pods
 * requested, the day's average) over allocatable (the day's maximum),
 * optionally with capacity added (entry) or removed (exit).
 */
import type { ThresholdType } from "../../../../drizzle/schema/index.ts";
import type { CandidateMachine, DailyFigures, Metric } from "./types.ts";

/** Signed: positive when machines join the pool, negative when they leave. */
export interface CapacityChange {
  cpuMillis: number;
  memoryBytes: number;
}

export const NO_CHANGE: CapacityChange = { cpuMillis: 0, memoryBytes: 0 };

/**
 * Null when there is nothing to divide by (no allocatable left): a pool with
 * no capacity has no utilisation, and the evaluation treats the day as one
 * without figures.
 */
export function utilisationPercent(
  figures: DailyFigures,
  metric: Metric,
  type: ThresholdType,
  change: CapacityChange = NO_CHANGE,
): number | null {
  const cpu = metric === "cpu";
  const allocatable = cpu
    ? figures.allocatableCpuMillis + change.cpuMillis
    : figures.allocatableMemoryBytes + change.memoryBytes;
  if (allocatable <= 0) return null;
  const load =
    type === "usage"
      ? cpu
        ? figures.usageCpuMillis
        : figures.usageMemoryBytes
      : cpu
        ? figures.requestedCpuMillis
        : figures.requestedMemoryBytes;
  return (load / allocatable) * 100;
}

/** A machine's real capacity: cores as millicores, and its memory. */
export function capacityOf(machine: Pick<CandidateMachine, "cpuCores" | "memoryBytes">): CapacityChange {
  return { cpuMillis: machine.cpuCores * 1000, memoryBytes: machine.memoryBytes };
}

export function plus(a: CapacityChange, b: CapacityChange, sign: 1 | -1 = 1): CapacityChange {
  return { cpuMillis: a.cpuMillis + sign * b.cpuMillis, memoryBytes: a.memoryBytes + sign * b.memoryBytes };
}

/** For people and the history row: two decimals are plenty for a percentage. */
export function roundPercent(value: number | null): number | null {
  return value === null ? null : Math.round(value * 100) / 100;
}
