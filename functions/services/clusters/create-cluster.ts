/**
 * Creates a cluster in `pending` with a one-time registration token its agent
 * trades for a credential. Names are unique among live clusters (a partial
 * unique index), so a racing duplicate is caught by Postgres, not by a
 * check-then-insert. The cluster and its audit row commit together.
 */
import { clusters } from "../../../drizzle/schema/clusters.ts";
import type { Labels } from "../../../drizzle/schema/columns.ts";
import { AppError } from "../../lib/errors.ts";
import type { ServiceCall } from "../context.ts";
import { mapDbError } from "../db-errors.ts";
import { withClusterWrite } from "../unit-of-work.ts";
import { clusterAudit } from "./cluster-audit.ts";
import { type ClusterView, toClusterView } from "./cluster-view.ts";
import type { HealthThresholds } from "./health.ts";
import { emptySummary } from "./machine-summary.ts";
import { issueRegistrationToken } from "./registration-token.ts";

export interface CreateClusterInput {
  name: string;
  description?: string | undefined;
  labels?: Labels | undefined;
  registrationTokenTtlMs: number;
  thresholds: HealthThresholds;
}

export interface CreatedCluster {
  cluster: ClusterView;
  /** shown once; only its hash is stored */
  registrationToken: string;
  registrationTokenExpiresAt: string;
}

const LIVE_NAME_CONSTRAINT = "clusters_name_live_uq";

export async function createCluster({
  ctx,
  input,
}: ServiceCall<CreateClusterInput>): Promise<CreatedCluster> {
  const now = ctx.clock.now();
  const issued = await issueRegistrationToken(now, input.registrationTokenTtlMs);
  let row: typeof clusters.$inferSelect;
  try {
    // a new cluster has no agent yet, so there is no state version to bump
    row = await withClusterWrite(ctx, async (tx, write) => {
      const [inserted] = await tx
        .insert(clusters)
        .values({
          name: input.name,
          description: input.description ?? "",
          labels: input.labels ?? {},
          status: "pending",
          registrationTokenHash: issued.registrationTokenHash,
          registrationTokenExpiresAt: issued.registrationTokenExpiresAt,
          createdAt: now,
          updatedAt: now,
        })
        .returning();
      write.audit(clusterAudit("cluster.create", inserted!.id, { name: input.name }));
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
  return {
    cluster: toClusterView(row, emptySummary(), now, input.thresholds),
    registrationToken: issued.registrationToken,
    registrationTokenExpiresAt: issued.registrationTokenExpiresAt.toISOString(),
  };
}
