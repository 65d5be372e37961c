/** Request and response schemas shared by the /v1/clusters routes. */
import { z } from "@hono/zod-openapi";
import type { Context } from "hono";
import { KUBECONFIG_AUTH_KINDS } from "../../../../drizzle/schema/cluster-kubeconfigs.ts";
import { API_SERVER_STATUSES } from "../../../../drizzle/schema/cluster-states.ts";
import { CLUSTER_STATUSES } from "../../../../drizzle/schema/clusters.ts";
import { MACHINE_STATES } from "../../../../proto/machine-states.ts";
import type { AppEnv } from "../../../http/hono-env.ts";
import type { HealthThresholds } from "../../../services/clusters/health.ts";
import { CLUSTER_HEALTHS } from "../../../services/clusters/health.ts";
import { isUuid } from "../../../services/machines/ids.ts";

/** A DNS-1123 label, as Kubernetes names clusters' objects. */
export const ClusterNameSchema = z
  .string()
  .min(1)
  .max(63)
  .regex(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/, {
    message: "must be a DNS-1123 label: lowercase letters, digits and '-', starting and ending alphanumeric",
  })
  // ids and names are accepted in the same places (http/define-route.ts): a name must never read as an id
  .refine((name) => !isUuid(name), { message: "must not have the shape of a UUID" })
  .openapi({ example: "prod-eu-1" });

export const DescriptionSchema = z.string().max(1024);

const Totals = z.object({ machines: z.number().int(), cpuCores: z.number(), memoryBytes: z.number() });
const Figures = z.object({ cpuMillis: z.number().int(), memoryBytes: z.number().int() });

const ClusterAccessSchema = z
  .object({
    agent: z.boolean().openapi({ description: "an agent registered and holds a credential" }),
    kubeconfig: z.boolean().openapi({ description: "a kubeconfig is imported" }),
  })
  .openapi("ClusterAccess", { description: "how the control plane reaches the cluster (both may hold)" });

const KubeconfigMetadataSchema = z
  .object({
    server: z.string().openapi({ description: "the API server URL the kubeconfig names" }),
    contextName: z.string(),
    authKind: z.enum(KUBECONFIG_AUTH_KINDS),
    hasCertificateAuthority: z.boolean().openapi({ description: "it carries its own CA certificate" }),
    version: z.number().int().openapi({ description: "1, then +1 on each replacement" }),
    updatedAt: z.string(),
  })
  .openapi("KubeconfigMetadata", {
    description: "what the imported kubeconfig names; the kubeconfig itself is never returned",
  });

const ApiServerStateSchema = z
  .object({
    status: z.enum(API_SERVER_STATUSES),
    error: z.string().nullable().openapi({ description: "why the last check was not healthy" }),
    checkedAt: z.string(),
    lastHealthyAt: z.string().nullable(),
    consecutiveFailures: z.number().int(),
    latencyMs: z.number().int().nullable(),
    kubernetesVersion: z.string().nullable().openapi({ description: "as the API server reported it" }),
    nodes: z.object({ total: z.number().int(), ready: z.number().int() }).nullable(),
    capacity: Figures.nullable(),
    allocatable: Figures.nullable(),
  })
  .openapi("ApiServerState", {
    description:
      "the latest check of the API server through the kubeconfig (stored; lists never call a cluster)",
  });

export const ClusterSchema = z
  .object({
    id: z.uuid(),
    name: z.string(),
    description: z.string(),
    labels: z.record(z.string(), z.string()),
    status: z.enum(CLUSTER_STATUSES).openapi({ description: "lifecycle: pending until an agent registers" }),
    health: z.enum(CLUSTER_HEALTHS).openapi({
      description: "derived from the last heartbeat: unknown = never heartbeated",
    }),
    nodeCounts: z
      .object({
        total: z.number().int(),
        byStatus: z.record(z.enum(MACHINE_STATES), z.number().int()),
      })
      .openapi({
        description: "the pool machines assigned to the cluster, by status (see nodes for Kubernetes')",
      }),
    capacity: z
      .object({
        ready: Totals.openapi({ description: "machines in the ready state" }),
        assigned: Totals.openapi({ description: "every machine assigned to the cluster" }),
      })
      .openapi({ description: "the pool machines' hardware (see resources for what Kubernetes reports)" }),
    kubernetesVersion: z.string().nullable(),
    agentVersion: z.string().nullable(),
    lastHeartbeatAt: z.string().nullable(),
    nodes: z
      .object({ total: z.number().int(), ready: z.number().int(), reportedAt: z.string() })
      .nullable()
      .openapi({
        description:
          "Kubernetes Nodes (all, not only pool machines) as the agent's last heartbeat counted them; null before one did",
      }),
    leader: z
      .object({ identity: z.string(), since: z.string() })
      .nullable()
      .openapi({ description: "the agent replica that leads, from the last heartbeat" }),
    resources: z
      .object({
        capturedAt: z.string(),
        nodeCount: z.number().int(),
        capacity: Figures,
        allocatable: Figures,
        requested: Figures.openapi({ description: "requests of the pods bound to Nodes and not finished" }),
        usage: Figures.openapi({ description: "from metrics.k8s.io; zero without metrics-server" }),
      })
      .nullable()
      .openapi({
        description:
          "the whole cluster's resources from the agent's latest snapshot (every 5 minutes); null before its first",
      }),
    registeredAt: z.string().nullable(),
    access: ClusterAccessSchema,
    kubeconfig: KubeconfigMetadataSchema.nullable(),
    apiServer: ApiServerStateSchema.nullable().openapi({
      description: "null without a kubeconfig, and until the first check of it",
    }),
    createdAt: z.string(),
    updatedAt: z.string(),
  })
  .openapi("Cluster");

export const RegistrationTokenSchema = z.object({
  registrationToken: z.string().openapi({ description: "shown once; only its hash is stored" }),
  registrationTokenExpiresAt: z.string(),
});

/** Heartbeat thresholds from policy (KSP_HEARTBEAT_*_SECONDS). */
export function healthThresholds(c: Context<AppEnv>): HealthThresholds {
  const { heartbeatDegradedMs, heartbeatOfflineMs } = c.get("scope").deps.config.policy;
  return { heartbeatDegradedMs, heartbeatOfflineMs };
}
