/**
 * Daily figures for the evaluation tables, in round numbers: 10 cores
 * (10,000 millicores) and 1,000 bytes of memory allocatable, so a load of
 * 9,000 millicores is 90 % and 950 bytes 95 %.
 */
import type { DailyFigures, MetricRule } from "../../../functions/services/strategies/evaluation/types.ts";

export const CPU = 10_000;
export const MEMORY = 1_000;

export interface Load {
  /** percent of allocatable */
  cpuUse?: number;
  cpuRequest?: number;
  memoryUse?: number;
  memoryRequest?: number;
  allocatableCpu?: number;
  allocatableMemory?: number;
}

export function day(date: string, load: Load = {}): DailyFigures {
  const cpu = load.allocatableCpu ?? CPU;
  const memory = load.allocatableMemory ?? MEMORY;
  return {
    day: date,
    usageCpuMillis: ((load.cpuUse ?? 0) * CPU) / 100,
    requestedCpuMillis: ((load.cpuRequest ?? 0) * CPU) / 100,
    usageMemoryBytes: ((load.memoryUse ?? 0) * MEMORY) / 100,
    requestedMemoryBytes: ((load.memoryRequest ?? 0) * MEMORY) / 100,
    allocatableCpuMillis: cpu,
    allocatableMemoryBytes: memory,
  };
}

/** Consecutive days ending on `last`, one load each, oldest first. */
export function days(last: string, loads: (Load | null)[]): DailyFigures[] {
  const end = new Date(`${last}T00:00:00Z`).getTime();
  return loads.flatMap((load, i) => {
    if (load === null) return [];
    const at = new Date(end - (loads.length - 1 - i) * 86_400_000).toISOString().slice(0, 10);
    return [day(at, load)];
  });
}

export const cpuUsage = (threshold: number, target: number): MetricRule => ({
  metric: "cpu",
  type: "usage",
  threshold,
  target,
});

export const memoryUsage = (threshold: number, target: number): MetricRule => ({
  metric: "memory",
  type: "usage",
  threshold,
  target,
});
