/**
 * Registration: trade the one-time registration token for the cluster's
 * agent credential. One attempt only: the token is consumed by the first
 * request that reaches the control plane, so a blind retry after a lost
 * answer would only earn a 401. The caller decides what to do on failure.
 */
import { RegisterAgentResponseSchema } from "../../proto/agent-api.ts";
import { type Clock, systemClock } from "../../shared/clock.ts";
import { callControlPlane } from "./http-request.ts";

export interface RegisterAgentOptions {
  baseUrl: string;
  registrationToken: string;
  /** must equal the cluster's name in the control plane (guards against a token pasted into the wrong cluster) */
  clusterName?: string;
  agentVersion: string;
  kubernetesVersion: string;
  fetch?: typeof fetch;
  timeoutMs?: number;
  clock?: Clock;
}

export interface Registration {
  clusterId: string;
  clusterName: string;
  credential: string;
}

export async function registerAgent(options: RegisterAgentOptions): Promise<Registration> {
  const timeoutMs = options.timeoutMs ?? 10_000;
  const answer = await callControlPlane(
    {
      baseUrl: options.baseUrl,
      fetch: options.fetch ?? globalThis.fetch,
      clock: options.clock ?? systemClock,
      timeoutMs,
      budgetMs: timeoutMs,
      attempts: 1,
      backoffBaseMs: 0,
      backoffMaxMs: 0,
    },
    {
      method: "POST",
      path: "/v1/agent/register",
      body: {
        registrationToken: options.registrationToken,
        ...(options.clusterName !== undefined ? { clusterName: options.clusterName } : {}),
        agentVersion: options.agentVersion,
        kubernetesVersion: options.kubernetesVersion,
      },
      schema: RegisterAgentResponseSchema,
    },
  );
  const { clusterId, clusterName, credential } = (answer as { body: Registration }).body;
  return { clusterId, clusterName, credential };
}
