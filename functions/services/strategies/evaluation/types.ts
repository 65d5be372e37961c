/**
 * What a strategy evaluation reads, in plain values: the strategy's rules,
 * a pool's daily figures and the machines that could be ordered. The
 * evaluation functions beside this file are pure; the job reads these from
 * the database and writes what they decide.
 */
import type { PoolAction, QueryTemplateLogic, ThresholdType } from "../../../../drizzle/schema/index.ts";

export const METRICS = ["cpu", "memory"] as const;
export type Metric = (typeof METRICS)[number];

/**
 * One pool's daily snapshot row (jobs/rollup-snapshots.ts): the day's average
 * use and requests, and the day's maximum allocatable.
 */
export interface DailyFigures {
  /** the UTC day, YYYY-MM-DD */
  day: string;
  usageCpuMillis: number;
  usageMemoryBytes: number;
  requestedCpuMillis: number;
  requestedMemoryBytes: number;
  allocatableCpuMillis: number;
  allocatableMemoryBytes: number;
}

/** One metric a strategy considers (a metric whose threshold is null is not one). Percentages. */
export interface MetricRule {
  metric: Metric;
  /** usage: what pods use; allocated: what pods request; both as a share of allocatable */
  type: ThresholdType;
  threshold: number;
  target: number;
}

export interface StrategyRules {
  action: PoolAction;
  /** cpu first, then memory; never empty */
  rules: MetricRule[];
  /** and: every rule must have held for the duration; or: one is enough */
  logic: QueryTemplateLogic;
  durationDays: number;
  cooldownDays: number;
  maxDevices: number;
}

/** A machine an order could take, in the order the job found them (the order they are taken in). */
export interface CandidateMachine {
  id: string;
  hostname: string;
  cpuCores: number;
  memoryBytes: number;
  /**
   * Whether its capacity is part of the pool's figures: a ready machine is a
   * Node of the pool; an available one (and any free machine) is not.
   */
  inPoolFigures: boolean;
}
