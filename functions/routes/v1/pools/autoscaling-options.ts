/**
 * The two Cluster Autoscaler settings of a pool: its node group's options
 * (validated by proto/agent-api.ts's schema, the one the agent parses, so
 * both sides agree on every bound) and its hourly node price. Only the
 * OpenAPI descriptions are added here; proto/ stays free of OpenAPI.
 */
import { z } from "@hono/zod-openapi";
import { MAX_HOURLY_PRICE } from "../../../../drizzle/schema/index.ts";
import { PoolAutoscalingOptionsSchema } from "../../../../proto/agent-api.ts";

const field = PoolAutoscalingOptionsSchema.shape;

const DescribedOptions = PoolAutoscalingOptionsSchema.extend({
  scaleDownUtilizationThreshold: field.scaleDownUtilizationThreshold.openapi({
    description:
      "0–1: a node whose requested CPU and memory are below this fraction of its allocatable is a " +
      "scale-down candidate (CA flag --scale-down-utilization-threshold)",
  }),
  scaleDownGpuUtilizationThreshold: field.scaleDownGpuUtilizationThreshold.openapi({
    description: "0–1: the same for GPU nodes, by GPU requests (--scale-down-gpu-utilization-threshold)",
  }),
  scaleDownUnneededSeconds: field.scaleDownUnneededSeconds.openapi({
    description:
      "1–86400: how long a node must be unneeded before CA removes it (--scale-down-unneeded-time)",
  }),
  scaleDownUnreadySeconds: field.scaleDownUnreadySeconds.openapi({
    description: "1–86400: the same for an unready node (--scale-down-unready-time)",
  }),
  maxNodeProvisionSeconds: field.maxNodeProvisionSeconds.openapi({
    description:
      "1–86400: how long CA waits for a new node to register before it gives up on it " +
      "(--max-node-provision-time); a host's join takes minutes, so keep it well above that",
  }),
  zeroOrMaxNodeScaling: field.zeroOrMaxNodeScaling.openapi({
    description: "scale the pool only between 0 and its max, all nodes at once (--zero-or-max-node-scaling)",
  }),
  ignoreDaemonSetsUtilization: field.ignoreDaemonSetsUtilization.openapi({
    description: "leave DaemonSet pods out of the utilization above (--ignore-daemonsets-utilization)",
  }),
});

export const PoolAutoscalingOptions = DescribedOptions.openapi("PoolAutoscalingOptions", {
  description:
    "Cluster Autoscaler options of the pool's node group. Each field given overrides CA's command-line " +
    "default for this pool only; fields left out keep CA's defaults.",
});

/**
 * Request form: an empty object is refused, because it would make the agent
 * answer GetOptions (CA ≥ 1.35 then zeroes the group's node startup time)
 * while overriding nothing; null says "no overrides" without that effect.
 */
export const AutoscalingOptionsInput = PoolAutoscalingOptions.refine(
  (options) => Object.values(options).some((v) => v !== undefined),
  {
    message: "set at least one option, or null to leave every option to Cluster Autoscaler's defaults",
    // an unknown key is its own issue; without this it would also read as "no option set"
    when: (payload) => payload.issues.length === 0,
  },
)
  .nullable()
  .openapi({
    description:
      "Replaced as a whole; null (the default) clears every override, and the agent then answers " +
      "GetOptions Unimplemented so CA uses its defaults. Leave it null unless you need an override.",
  });

export const HourlyPriceInput = z
  .number()
  .min(0)
  .max(MAX_HOURLY_PRICE)
  .nullable()
  .openapi({
    description:
      `Price of one node of this pool per hour (0–${MAX_HOURLY_PRICE}, any currency used consistently ` +
      "across pools), for CA's price expander (--expander=price). null (the default): the agent answers " +
      "pricing Unimplemented. Price every autoscaled pool or none, so the expander compares like with like.",
  });
