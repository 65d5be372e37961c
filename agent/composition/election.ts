/** Leader election's part of the agent's composition root (main.ts). */
import { CoordinationV1Api, type KubeConfig } from "@kubernetes/client-node";
import { systemClock } from "../../shared/clock.ts";
import type { Logger } from "../../shared/logger.ts";
import type { AgentConfig } from "../config.ts";
import { createLeaseLock } from "../kubernetes/lease-lock.ts";
import { createLeaseLeadership, type LeaseLeadership } from "../leader/lease-leadership.ts";
import type { AgentMetrics } from "../metrics.ts";

/** Leader election over the configured Lease: only the replica holding it changes the cluster. */
export function createElection(
  config: AgentConfig,
  kubeConfig: KubeConfig,
  metrics: AgentMetrics,
  logger: Logger,
): LeaseLeadership {
  const { lease } = config;
  return createLeaseLeadership({
    lock: createLeaseLock(kubeConfig.makeApiClient(CoordinationV1Api), {
      namespace: lease.namespace,
      name: lease.name,
    }),
    identity: lease.identity,
    clock: systemClock,
    logger,
    metrics,
    durations: {
      leaseDurationMs: lease.durationMs,
      renewDeadlineMs: lease.renewDeadlineMs,
      retryPeriodMs: lease.retryPeriodMs,
    },
  });
}
