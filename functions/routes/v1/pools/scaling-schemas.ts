/**
 * The `scaling` part of a pool's status: "why didn't it scale?"
 * (services/scaling/pool-scaling.ts). Reason codes are stable; messages are
 * for people.
 */
import { z } from "@hono/zod-openapi";
import { SCALING_REASON_CODES } from "../../../services/scaling/scale-reasons.ts";

export const ScalingReasonSchema = z
  .object({
    code: z.enum(SCALING_REASON_CODES).openapi({
      description:
        "stable: max_size_reached (the pool's max caps it), no_free_machine (nothing available at all), " +
        "requirements_unmet (one requirement, named in `requirement`, ruled out free machines; the one " +
        "ruling out the most comes first), cluster_scope (SSH identities scoped to another cluster), " +
        "machines_busy (fitting machines held by another request), not_enough_machines (the summary), " +
        "autoscaling_disabled; scale-down: nodes_deleted, target_decreased",
    }),
    message: z.string(),
    count: z.number().int().optional().openapi({ description: "machines the reason concerns" }),
    requirement: z
      .string()
      .optional()
      .openapi({ description: "requirements_unmet only: e.g. minCpuCores, machineLabels gpu=a100" }),
  })
  .openapi("ScalingReason");

export const ScalingDecisionSchema = z
  .object({
    at: z.string().openapi({ description: "when it was last taken (ISO 8601)" }),
    direction: z.enum(["up", "down"]),
    requested: z.number().int(),
    granted: z.number().int(),
    outcome: z.enum(["granted", "partial", "refused"]),
    reasons: z
      .array(ScalingReasonSchema)
      .openapi({ description: "most telling first; empty for a plain grant" }),
    firstAt: z.string().openapi({
      description: "when it was first taken: an identical refusal repeated in a row is one decision",
    }),
    repeats: z.number().int().openapi({ description: "times taken in a row (Cluster Autoscaler retries)" }),
  })
  .openapi("ScalingDecision", {
    example: {
      at: "2026-12-07T08:10:00.000Z",
      direction: "up",
      requested: 3,
      granted: 0,
      outcome: "refused",
      reasons: [
        {
          code: "requirements_unmet",
          message: "requirement machineLabels gpu=a100 rules out 7 of 9 free machines",
          count: 7,
          requirement: "machineLabels gpu=a100",
        },
        {
          code: "not_enough_machines",
          message: "needs 3 machines, 2 available fit the pool (0 of its own, 2 free)",
          count: 2,
        },
      ],
      firstAt: "2026-12-07T08:00:00.000Z",
      repeats: 61,
    },
  });

export const ScalingBlockerSchema = z
  .object({
    machineId: z.uuid(),
    machineName: z.string().openapi({ description: "the machine's hostname" }),
    kind: z.enum(["fault", "backoff", "join_failed"]).openapi({
      description:
        "fault: the machine is in fault; backoff: reserved or joining past the pool's join and " +
        "registration timeouts (the agent keeps putting it off, or is not running); join_failed: a join " +
        "ended without a node in the last 24 hours",
    }),
    reason: z.string(),
    since: z.string().openapi({ description: "ISO 8601" }),
  })
  .openapi("ScalingBlocker");

export const PoolScalingSchema = z
  .object({
    // a union, not .nullable(): that would register ScalingDecision itself as nullable
    lastScaleUp: z
      .union([ScalingDecisionSchema, z.null()])
      .openapi({ description: "null: never asked to scale up" }),
    lastScaleDown: z
      .union([ScalingDecisionSchema, z.null()])
      .openapi({ description: "null: Cluster Autoscaler never scaled the pool down" }),
    blockers: z.array(ScalingBlockerSchema).openapi({ description: "at most 50, newest first" }),
  })
  .openapi("PoolScaling", { description: "why the pool did or did not scale lately" });
