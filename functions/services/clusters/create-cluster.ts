/**
 * Creates a cluster in `pending`, reachable in one or both of two ways:
 * - `agent` (the default): a one-time registration token its agent trades for
 *   a credential; a kubeconfig may come along too (status checks beside
 *   autoscaling);
 * - `kubeconfig`: an imported kubeconfig the health worker checks the API
 *   server with, and no registration token (an agent can be added later by
 *   rotating one).
 * Names are unique among live clusters (a partial unique index), so a racing
 * duplicate is caught by Postgres, not by a check-then-insert. The cluster,
 * its sealed kubeconfig and the audit row commit together.
 */
import { clusters } from "../../../drizzle/schema/clusters.ts";
import type { Labels } from "../../../drizzle/schema/columns.ts";
import { AppError } from "../../lib/errors.ts";
import type { ServiceCall } from "../context.ts";
import { mapDbError } from "../db-errors.ts";
import { withClusterWrite } from "../unit-of-work.ts";
import { clusterAudit } from "./cluster-audit.ts";
import { type ClusterView, toClusterViews } from "./cluster-view.ts";
import type { HealthThresholds } from "./health.ts";
import {
  type KubeconfigMetadata,
  kubeconfigAuditChanges,
  sealKubeconfig,
  upsertKubeconfig,
} from "./kubeconfig-store.ts";
import { type IssuedRegistrationToken, issueRegistrationToken } from "./registration-token.ts";

export const CLUSTER_ACCESS_MODES = ["agent", "kubeconfig"] as const;
export type ClusterAccessMode = (typeof CLUSTER_ACCESS_MODES)[number];

export interface CreateClusterInput {
  name: string;
  description?: string | undefined;
  labels?: Labels | undefined;
  /** absent: agent */
  mode?: ClusterAccessMode | undefined;
  /** YAML or base64 of it; required in kubeconfig mode, optional beside an agent */
  kubeconfig?: string | undefined;
  registrationTokenTtlMs: number;
  thresholds: HealthThresholds;
}

export interface CreatedCluster {
  cluster: ClusterView;
  /** shown once; only its hash is stored. null in kubeconfig mode */
  registrationToken: string | null;
  registrationTokenExpiresAt: string | null;
}

const LIVE_NAME_CONSTRAINT = "clusters_name_live_uq";

export async function createCluster({
  ctx,
  input,
}: ServiceCall<CreateClusterInput>): Promise<CreatedCluster> {
  const mode = input.mode ?? "agent";
  if (mode === "kubeconfig" && input.kubeconfig === undefined) {
    throw new AppError("validation_failed", 'mode "kubeconfig" needs a kubeconfig', { field: "kubeconfig" });
  }
  const now = ctx.clock.now();
  // the id is chosen here because the kubeconfig is sealed to it before the row exists
  const id = crypto.randomUUID();
  const sealed = input.kubeconfig === undefined ? null : await sealKubeconfig(ctx, id, input.kubeconfig);
  const issued = mode === "agent" ? await issueRegistrationToken(now, input.registrationTokenTtlMs) : null;
  let row: typeof clusters.$inferSelect;
  try {
    // a new cluster has no agent yet, so there is no state version to bump
    row = await withClusterWrite(ctx, async (tx, write) => {
      const [inserted] = await tx
        .insert(clusters)
        .values({
          id,
          name: input.name,
          description: input.description ?? "",
          labels: input.labels ?? {},
          status: "pending",
          registrationTokenHash: issued?.registrationTokenHash ?? null,
          registrationTokenExpiresAt: issued?.registrationTokenExpiresAt ?? null,
          createdAt: now,
          updatedAt: now,
        })
        .returning();
      const kubeconfig = sealed ? await upsertKubeconfig(tx, sealed, now) : null;
      write.audit(clusterAudit("cluster.create", inserted!.id, createChanges(input.name, mode, kubeconfig)));
      return inserted!;
    });
  } catch (err) {
    const mapped = mapDbError(err);
    if (mapped?.details?.constraint === LIVE_NAME_CONSTRAINT) {
      throw new AppError("conflict", `a cluster named ${input.name} already exists`, {
        name: input.name,
        constraint: LIVE_NAME_CONSTRAINT,
      });
    }
    throw mapped ?? err;
  }
  const [cluster] = await toClusterViews(ctx.db, [row], now, input.thresholds);
  return { cluster: cluster!, ...tokenOf(issued) };
}

/** What the audit row records: the name, and for an import the mode, server and kind of credential. */
function createChanges(name: string, mode: ClusterAccessMode, kubeconfig: KubeconfigMetadata | null) {
  return {
    name,
    // an agent-only create is recorded as it always was
    ...(mode === "agent" ? {} : { mode }),
    ...(kubeconfig ? { kubeconfig: kubeconfigAuditChanges(kubeconfig) } : {}),
  };
}

function tokenOf(issued: IssuedRegistrationToken | null) {
  return {
    registrationToken: issued?.registrationToken ?? null,
    registrationTokenExpiresAt: issued?.registrationTokenExpiresAt.toISOString() ?? null,
  };
}
