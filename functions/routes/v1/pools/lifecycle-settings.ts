/**
 * A pool's lifecycle settings: how the agent joins and removes its machines
 * (phase timeouts, concurrency caps, the kubeadm config version) and watches
 * them (health probes, auto-repair, the zombie guard). The fields are
 * proto/agent-api.ts's PoolLifecycleSchema, the shape the agent parses; the
 * bounds an operator may set and the OpenAPI descriptions are added here.
 */
import { z } from "@hono/zod-openapi";
import { DEFAULT_POOL_LIFECYCLE, PoolLifecycleSchema } from "../../../../proto/agent-api.ts";
import { ZOMBIE_ACTIONS } from "../../../../proto/pool-lifecycle.ts";

export const LIFECYCLE_TIMEOUT_SECONDS = { min: 10, max: 86_400 } as const;
export const LIFECYCLE_CONCURRENCY = { min: 1, max: 1000 } as const;
export const HEALTH_PROBE_INTERVAL_SECONDS = { min: 1, max: 86_400 } as const;
export const HEALTH_FAILURE_THRESHOLD = { min: 1, max: 100 } as const;

const field = PoolLifecycleSchema.shape;
const defaults = DEFAULT_POOL_LIFECYCLE;
const { min: tMin, max: tMax } = LIFECYCLE_TIMEOUT_SECONDS;
const { min: cMin, max: cMax } = LIFECYCLE_CONCURRENCY;
const timeout = (schema: z.ZodNumber) => schema.min(tMin).max(tMax);
const cap = (schema: z.ZodNumber) => schema.min(cMin).max(cMax);

const DescribedLifecycle = z.object({
  joinTimeoutSeconds: timeout(field.joinTimeoutSeconds).openapi({
    description:
      `${tMin}–${tMax}, default ${defaults.joinTimeoutSeconds}: how long the preflight and join pipelines ` +
      "may run on a host (SSH, kubeadm join, hooks) before the machine goes to fault. Cluster Autoscaler " +
      "gives up on a node that has not registered within its max node provision time (15 min unless " +
      "autoscalingOptions.maxNodeProvisionSeconds says otherwise)",
  }),
  registrationTimeoutSeconds: timeout(field.registrationTimeoutSeconds).openapi({
    description:
      `${tMin}–${tMax}, default ${defaults.registrationTimeoutSeconds}: from the end of the join until the ` +
      "machine's Node is Ready with its providerID; past it the machine goes to fault",
  }),
  resetTimeoutSeconds: timeout(field.resetTimeoutSeconds).openapi({
    description:
      `${tMin}–${tMax}, default ${defaults.resetTimeoutSeconds}: how long the reset pipeline may run on a ` +
      "machine that leaves the cluster before it goes to fault (the drain before it is bounded by " +
      "drainSettings.timeoutSeconds)",
  }),
  maxConcurrentJoins: cap(field.maxConcurrentJoins).openapi({
    description:
      `${cMin}–${cMax}, default ${defaults.maxConcurrentJoins}: how many of the pool's machines the agent ` +
      "joins at once; the others wait their turn",
  }),
  maxConcurrentRemovals: cap(field.maxConcurrentRemovals).openapi({
    description:
      `${cMin}–${cMax}, default ${defaults.maxConcurrentRemovals}: how many of the pool's machines the ` +
      "agent drains and resets at once; the others wait their turn",
  }),
  kubeadmConfigVersion: field.kubeadmConfigVersion.openapi({
    description:
      "v1beta3, v1beta4 or null (the default): the kubeadm API version of the JoinConfiguration the " +
      "agent writes; null picks it from the host's `kubeadm version` (v1beta4 from 1.31 on)",
  }),
  // The agent's schema gives these defaults (pools stored before they existed); a PATCH must not.
  healthProbeIntervalSeconds: z
    .number()
    .int()
    .min(HEALTH_PROBE_INTERVAL_SECONDS.min)
    .max(HEALTH_PROBE_INTERVAL_SECONDS.max)
    .openapi({
      description:
        `${HEALTH_PROBE_INTERVAL_SECONDS.min}–${HEALTH_PROBE_INTERVAL_SECONDS.max}, default ` +
        `${defaults.healthProbeIntervalSeconds}: how often the agent probes each free (available) machine ` +
        "over SSH and looks at each ready machine's Node",
    }),
  healthFailureThreshold: z
    .number()
    .int()
    .min(HEALTH_FAILURE_THRESHOLD.min)
    .max(HEALTH_FAILURE_THRESHOLD.max)
    .openapi({
      description:
        `${HEALTH_FAILURE_THRESHOLD.min}–${HEALTH_FAILURE_THRESHOLD.max}, default ` +
        `${defaults.healthFailureThreshold}: consecutive failed checks, one interval apart (an SSH probe ` +
        "of a free machine, a NotReady or missing Node of a ready one), that move the machine to fault",
    }),
  autoRepair: z.boolean().openapi({
    description:
      `default ${defaults.autoRepair}: true probes the pool's fault machines too, and one whose probe ` +
      "passes healthFailureThreshold times in a row (and that has no Node) goes back to available; " +
      "false leaves that to POST /v1/machines/{id}/restore",
  }),
  zombieAction: z.enum(ZOMBIE_ACTIONS).openapi({
    description:
      `cordon or remove, default ${defaults.zombieAction}: a Node whose providerID names a machine that is ` +
      "not a node of this cluster is cordoned, with a Kubernetes Event; remove also resets the host of a " +
      "free machine of the pool over SSH and deletes the Node",
  }),
});

export const PoolLifecycleSettings = DescribedLifecycle.openapi("PoolLifecycleSettings", {
  description:
    "How the agent joins and removes the pool's machines: a phase that runs past its timeout moves the " +
    "machine to fault; the caps bound how many machines join, or leave, at once.",
});

export const LifecycleSettingsInput = DescribedLifecycle.partial()
  .strict()
  .openapi("PoolLifecycleSettingsPatch", {
    description: `merged key by key over the current settings (defaults: ${JSON.stringify(DEFAULT_POOL_LIFECYCLE)})`,
  });
