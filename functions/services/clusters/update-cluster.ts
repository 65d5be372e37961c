/**
 * Changes what people describe a cluster with (description, labels). Labels
 * are replaced as a whole, so removing one is sending the map without it.
 * Nothing here is part of the agent's view, so the state version stays; the
 * change and its audit row commit together.
 */
import { and, eq, isNull } from "drizzle-orm";
import { clusters } from "../../../drizzle/schema/clusters.ts";
import type { Labels } from "../../../drizzle/schema/columns.ts";
import type { ServiceCall } from "../context.ts";
import { withDbErrors } from "../db-errors.ts";
import { withClusterWrite } from "../unit-of-work.ts";
import { clusterAudit } from "./cluster-audit.ts";
import { type ClusterView, clusterNotFound, toClusterViews } from "./cluster-view.ts";
import type { HealthThresholds } from "./health.ts";

export interface UpdateClusterInput {
  clusterId: string;
  description?: string | undefined;
  labels?: Labels | undefined;
  thresholds: HealthThresholds;
}

export async function updateCluster({ ctx, input }: ServiceCall<UpdateClusterInput>): Promise<ClusterView> {
  const now = ctx.clock.now();
  const changes = {
    ...(input.description === undefined ? {} : { description: input.description }),
    ...(input.labels === undefined ? {} : { labels: input.labels }),
  };
  const row = await withDbErrors(() =>
    withClusterWrite(ctx, async (tx, write) => {
      const [updated] = await tx
        .update(clusters)
        .set({ ...changes, updatedAt: now })
        .where(and(eq(clusters.id, input.clusterId), isNull(clusters.deletedAt)))
        .returning();
      if (!updated) throw clusterNotFound(input.clusterId);
      write.audit(clusterAudit("cluster.update", updated.id, changes));
      return updated;
    }),
  );
  const [view] = await toClusterViews(ctx.db, [row], now, input.thresholds);
  return view!;
}
