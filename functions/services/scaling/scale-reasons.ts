/**
 * "Why didn't it scale?" in words and stable codes. Pure: the allocation path
 * counts (candidate-breakdown.ts), this file ranks the counts and words them,
 * record-scale-decision.ts stores the result as an event.
 *
 * Codes are a contract (console, CLI, scripts match on them); messages are
 * for people and may change.
 */

export const SCALE_UP_EVENT = "pool.scale_up";
export const SCALE_DOWN_EVENT = "pool.scale_down";

export const SCALING_REASON_CODES = [
  /** the pool's max size caps the request */
  "max_size_reached",
  /** not one available machine: the free inventory is empty and the pool has no spare of its own */
  "no_free_machine",
  /** one hardware requirement of the pool ruled out free machines (`requirement` names it) */
  "requirements_unmet",
  /** free machines whose SSH identity is scoped to another cluster (README "Security model") */
  "cluster_scope",
  /** fitting machines exist but another request holds them right now */
  "machines_busy",
  /** fewer fitting machines than requested (the summary after the reasons above) */
  "not_enough_machines",
  /** the pool's autoscaling switch is off */
  "autoscaling_disabled",
  /** scale-down refused by the agent: removing the nodes would leave the pool below its min size */
  "min_size_reached",
  /** scale-down refused by the agent: a node to remove is under maintenance */
  "node_in_maintenance",
  /** scale-down: Cluster Autoscaler deleted registered nodes */
  "nodes_deleted",
  /** scale-down: Cluster Autoscaler withdrew machines that had not registered yet */
  "target_decreased",
] as const;
export type ScalingReasonCode = (typeof SCALING_REASON_CODES)[number];

export interface ScalingReason {
  code: ScalingReasonCode;
  message: string;
  /** machines the reason concerns (excluded, available, room left), when it counts any */
  count?: number;
  /** for requirements_unmet: which requirement, e.g. "minCpuCores" or "machineLabels gpu=a100" */
  requirement?: string;
}

export type ScalingOutcome = "granted" | "partial" | "refused";

export function outcomeOf(requested: number, granted: number): ScalingOutcome {
  if (granted <= 0) return "refused";
  return granted < requested ? "partial" : "granted";
}

/** What the available machines looked like to a pool whose scale-up fell short. */
export interface CandidateBreakdown {
  /** the pool's own available machines it may take */
  own: number;
  /** available machines in the free inventory (no cluster, no pool) */
  free: number;
  /** free machines meeting every requirement and the identity scope */
  fitting: number;
  /** per requirement (and "identityScope"), how many free machines it rules out on its own account */
  excluded: { requirement: string; count: number }[];
}

/** The exclusion that is not a hardware requirement but the tenant boundary. */
export const IDENTITY_SCOPE = "identityScope";

/**
 * Exclusions that ruled anything out, most first; ties keep the pool's
 * requirement order. A machine failing two requirements counts for both:
 * each count answers "how many would this requirement alone turn away".
 */
export function rankExclusions(excluded: CandidateBreakdown["excluded"]): CandidateBreakdown["excluded"] {
  return excluded
    .map((e, index) => ({ ...e, index }))
    .filter((e) => e.count > 0)
    .sort((a, b) => b.count - a.count || a.index - b.index)
    .map(({ requirement, count }) => ({ requirement, count }));
}

/**
 * Why `found` of `requested` machines were all there was: the ranked
 * exclusions (the one ruling out the most first), machines held by other
 * requests, then the summary. Nothing available at all is one reason alone.
 */
export function shortfallReasons(
  breakdown: CandidateBreakdown,
  requested: number,
  found: number,
): ScalingReason[] {
  const { own, free, fitting } = breakdown;
  if (own + free === 0) {
    return [
      {
        code: "no_free_machine",
        message: "no machine is available: the free inventory is empty and the pool has none of its own",
        count: 0,
      },
    ];
  }
  const reasons: ScalingReason[] = rankExclusions(breakdown.excluded).map(({ requirement, count }) =>
    requirement === IDENTITY_SCOPE
      ? {
          code: "cluster_scope",
          message: `${count} of ${free} free machines have an SSH identity scoped to another cluster`,
          count,
        }
      : {
          code: "requirements_unmet",
          message: `requirement ${requirement} rules out ${count} of ${free} free machines`,
          count,
          requirement,
        },
  );
  const eligible = own + fitting;
  if (eligible > found) {
    reasons.push({
      code: "machines_busy",
      message: `${eligible - found} fitting machines are held by another request right now`,
      count: eligible - found,
    });
  }
  reasons.push({
    code: "not_enough_machines",
    message: `needs ${requested} machines, ${found} available fit the pool (${own} of its own, ${fitting} free)`,
    count: found,
  });
  return reasons;
}

export function maxSizeReason(current: number, max: number, requested: number): ScalingReason {
  const room = Math.max(0, max - current);
  return {
    code: "max_size_reached",
    message: `pool has ${current} of at most ${max} machines: room for ${room}, ${requested} requested`,
    count: room,
  };
}

export function autoscalingDisabledReason(poolName: string): ScalingReason {
  return { code: "autoscaling_disabled", message: `autoscaling is disabled for pool ${poolName}` };
}

/**
 * Two refusals are "the same decision again" when they asked for as much and
 * were refused for the same reasons (codes and requirements, not counts: a
 * count drifting by one while CA retries is still the same story).
 */
export function decisionSignature(requested: number, reasons: readonly ScalingReason[]): string {
  return JSON.stringify([requested, reasons.map((r) => [r.code, r.requirement ?? null])]);
}
