/**
 * Lists live clusters, oldest first, with keyset pagination on
 * (created_at, id). The cursor carries created_at at microsecond precision as
 * text, because a JS Date would round it to milliseconds and repeat or skip
 * rows at page boundaries.
 */

import { and, asc, eq, ilike, isNull, or, type SQL, sql } from "drizzle-orm";
import { clusters } from "../../../drizzle/schema/clusters.ts";
import { AppError } from "../../lib/errors.ts";
import type { ServiceCall } from "../context.ts";
import { labelSelectorCondition, parseLabelSelector } from "../label-selector.ts";
import { likeContaining } from "../like.ts";
import { isUuid } from "../machines/ids.ts";
import { type CursorValues, decodeCursor, type Page, toPage } from "../pagination.ts";
import { type ClusterView, toClusterViews } from "./cluster-view.ts";
import { type ClusterHealth, type HealthThresholds, healthCondition } from "./health.ts";

export interface ListClustersInput {
  limit: number;
  cursor?: string | undefined;
  /** free text over name and description */
  q?: string | undefined;
  /** derived health */
  status?: ClusterHealth | undefined;
  labelSelector?: string | undefined;
  /** a cluster-scoped caller sees only this cluster */
  scopeClusterId: string | null;
  thresholds: HealthThresholds;
}

const CURSOR_KEYS = ["at", "id"] as const;
const MICROS_ISO = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}Z$/;
const createdAtText = sql<string>`to_char(${clusters.createdAt} at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')`;

function afterCursor(cursor: string): SQL {
  const { at, id } = decodeCursor(cursor, CURSOR_KEYS);
  if (typeof at !== "string" || !MICROS_ISO.test(at) || typeof id !== "string" || !isUuid(id)) {
    throw new AppError("validation_failed", "cursor is not valid; start again without it");
  }
  return sql`(${clusters.createdAt}, ${clusters.id}) > (${at}::timestamptz, ${id}::uuid)`;
}

export async function listClusters({
  ctx,
  input,
}: ServiceCall<ListClustersInput>): Promise<Page<ClusterView>> {
  const now = ctx.clock.now();
  const conditions: (SQL | undefined)[] = [isNull(clusters.deletedAt)];
  if (input.scopeClusterId !== null) conditions.push(eq(clusters.id, input.scopeClusterId));
  if (input.q) {
    const pattern = likeContaining(input.q);
    conditions.push(or(ilike(clusters.name, pattern), ilike(clusters.description, pattern)));
  }
  if (input.status) conditions.push(healthCondition(input.status, now, input.thresholds));
  if (input.labelSelector) {
    conditions.push(labelSelectorCondition(clusters.labels, parseLabelSelector(input.labelSelector)));
  }
  if (input.cursor) conditions.push(afterCursor(input.cursor));

  const rows = await ctx.db
    .select({ cluster: clusters, at: createdAtText })
    .from(clusters)
    .where(and(...conditions))
    .orderBy(asc(clusters.createdAt), asc(clusters.id))
    .limit(input.limit + 1);

  const kept = rows.slice(0, input.limit);
  const views = await toClusterViews(
    ctx.db,
    kept.map((r) => r.cluster),
    now,
    input.thresholds,
  );
  const byId = new Map(views.map((v) => [v.id, v]));
  return toPage(
    rows,
    input.limit,
    (r): CursorValues => ({ at: r.at, id: r.cluster.id }),
    (r) => byId.get(r.cluster.id)!,
  );
}
