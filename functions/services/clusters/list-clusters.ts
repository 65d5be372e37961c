/**
 * Lists live clusters with keyset pagination on (sort key, id), oldest first
 * unless `sort` says otherwise. A cursor carries the sort it was made for: on
 * another sort its key would mean nothing, so that is a 400, not a wrong page.
 * created_at travels at microsecond precision as text, because a JS Date would
 * round it to milliseconds and repeat or skip rows at page boundaries.
 *
 * The filters on how a cluster is reached (access, apiServerStatus, version)
 * read only the stored kubeconfig and state rows, joined in the same query.
 */

import { and, asc, desc, eq, ilike, isNotNull, isNull, or, type SQL, sql } from "drizzle-orm";
import type { Db } from "../../../drizzle/client.ts";
import { clusterKubeconfigs } from "../../../drizzle/schema/cluster-kubeconfigs.ts";
import { type API_SERVER_STATUSES, clusterStates } from "../../../drizzle/schema/cluster-states.ts";
import { type Cluster, clusters } from "../../../drizzle/schema/clusters.ts";
import { AppError } from "../../lib/errors.ts";
import type { ServiceCall } from "../context.ts";
import { labelSelectorCondition, parseLabelSelector } from "../label-selector.ts";
import { likeContaining } from "../like.ts";
import { isUuid } from "../machines/ids.ts";
import { type CursorValues, decodeCursor, type Page, toPage } from "../pagination.ts";
import { type ClusterView, toClusterViews } from "./cluster-view.ts";
import { type ClusterHealth, type HealthThresholds, healthCondition } from "./health.ts";

export const CLUSTER_SORTS = ["createdAt", "-createdAt", "name", "-name"] as const;
export type ClusterSort = (typeof CLUSTER_SORTS)[number];

/** The four stored statuses, and `unchecked`: a kubeconfig with no check stored yet. */
export type ApiServerStatusFilter = (typeof API_SERVER_STATUSES)[number] | "unchecked";
export const CLUSTER_ACCESS_KINDS = ["agent", "kubeconfig"] as const;
export type ClusterAccessKind = (typeof CLUSTER_ACCESS_KINDS)[number];

/** A version prefix by whole components: 1, 1.30 or 1.30.2, with or without a leading v. */
export const VERSION_PREFIX = /^v?\d{1,4}(\.\d{1,4}){0,2}$/;

export interface ListClustersInput {
  limit: number;
  cursor?: string | undefined;
  /** free text over name and description */
  q?: string | undefined;
  /** derived agent health */
  status?: ClusterHealth | undefined;
  labelSelector?: string | undefined;
  apiServerStatus?: ApiServerStatusFilter | undefined;
  access?: ClusterAccessKind | undefined;
  /** a VERSION_PREFIX */
  version?: string | undefined;
  sort?: ClusterSort | undefined;
  /** a cluster-scoped caller sees only this cluster */
  scopeClusterId: string | null;
  thresholds: HealthThresholds;
}

const CURSOR_KEYS = ["sort", "key", "id"] as const;
const MICROS_ISO = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}Z$/;
const createdAtText = sql<string>`to_char(${clusters.createdAt} at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')`;

/**
 * created_at at microseconds of the one row a cursor is made from: in the
 * list query's select it would be formatted for every row the sort reads.
 */
async function createdAtKey(db: Db, row: Cluster): Promise<string> {
  const [found] = await db.select({ at: createdAtText }).from(clusters).where(eq(clusters.id, row.id));
  if (!found) throw new AppError("conflict", "the list changed while it was read; try again");
  return found.at;
}

interface SortSpec {
  column: typeof clusters.createdAt | typeof clusters.name;
  /** the last kept row's value as the cursor carries it */
  keyOf: (db: Db, row: Cluster) => Promise<string>;
  descending: boolean;
  /** the cursor's key as SQL of the column's type; undefined when the text cannot be one */
  keyParam: (key: string) => SQL | undefined;
}

const byCreatedAt = (descending: boolean): SortSpec => ({
  column: clusters.createdAt,
  keyOf: createdAtKey,
  descending,
  keyParam: (key) => (MICROS_ISO.test(key) ? sql`${key}::timestamptz` : undefined),
});
const byName = (descending: boolean): SortSpec => ({
  column: clusters.name,
  keyOf: async (_db, row) => row.name,
  descending,
  keyParam: (key) => (key.length <= 63 ? sql`${key}` : undefined),
});

const SORTS: Record<ClusterSort, SortSpec> = {
  createdAt: byCreatedAt(false),
  "-createdAt": byCreatedAt(true),
  name: byName(false),
  "-name": byName(true),
};

function afterCursor(cursor: string, sort: ClusterSort, spec: SortSpec): SQL {
  const values = decodeCursor(cursor, CURSOR_KEYS);
  const invalid = () => new AppError("validation_failed", "cursor is not valid; start again without it");
  if (typeof values.sort !== "string" || typeof values.key !== "string" || typeof values.id !== "string")
    throw invalid();
  if (values.sort !== sort) {
    throw new AppError(
      "validation_failed",
      `cursor was made for sort=${values.sort}, not sort=${sort}; start again without it`,
      { cursorSort: values.sort, sort },
    );
  }
  const key = spec.keyParam(values.key);
  if (key === undefined || !isUuid(values.id)) throw invalid();
  // row comparison: the same collation and order as ORDER BY (column, id)
  return spec.descending
    ? sql`(${spec.column}, ${clusters.id}) < (${key}, ${values.id}::uuid)`
    : sql`(${spec.column}, ${clusters.id}) > (${key}, ${values.id}::uuid)`;
}

/** Matches whole version components after an optional "v": 1.30 is v1.30.2 or 1.30-eks, never 1.300. */
function versionCondition(prefix: string): SQL {
  if (!VERSION_PREFIX.test(prefix)) {
    throw new AppError("validation_failed", "version must look like 1, 1.30 or v1.30.2", { version: prefix });
  }
  const pattern = `^v?${prefix.replace(/^v/, "").replaceAll(".", "\\.")}([.+-]|$)`;
  // the agent's report wins; the API server check speaks for kubeconfig-only clusters
  // (a state beside no kubeconfig is a check of one since removed, as in apiServerCondition)
  const probed = sql`case when ${clusterKubeconfigs.clusterId} is not null then ${clusterStates.kubernetesVersion} end`;
  return sql`coalesce(${clusters.kubernetesVersion}, ${probed}) ~ ${pattern}`;
}

function apiServerCondition(status: ApiServerStatusFilter): SQL {
  // a state without a kubeconfig is a check of one since removed: it matches nothing
  const hasKubeconfig = isNotNull(clusterKubeconfigs.clusterId);
  return status === "unchecked"
    ? (and(hasKubeconfig, isNull(clusterStates.clusterId)) as SQL)
    : (and(hasKubeconfig, eq(clusterStates.status, status)) as SQL);
}

export async function listClusters({
  ctx,
  input,
}: ServiceCall<ListClustersInput>): Promise<Page<ClusterView>> {
  const now = ctx.clock.now();
  const sort = input.sort ?? "createdAt";
  const spec = SORTS[sort];
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
  if (input.access === "agent") conditions.push(isNotNull(clusters.agentCredentialHash));
  if (input.access === "kubeconfig") conditions.push(isNotNull(clusterKubeconfigs.clusterId));
  if (input.apiServerStatus) conditions.push(apiServerCondition(input.apiServerStatus));
  if (input.version) conditions.push(versionCondition(input.version));
  if (input.cursor) conditions.push(afterCursor(input.cursor, sort, spec));
  // both joins are on primary keys, one row at most each; without these filters they are left out
  const joined = input.access === "kubeconfig" || input.apiServerStatus !== undefined || !!input.version;

  const base = ctx.db.select({ cluster: clusters }).from(clusters);
  const from = joined
    ? base
        .leftJoin(clusterKubeconfigs, eq(clusterKubeconfigs.clusterId, clusters.id))
        .leftJoin(clusterStates, eq(clusterStates.clusterId, clusters.id))
    : base;
  const order = spec.descending ? desc : asc;
  const rows = await from
    .where(and(...conditions))
    .orderBy(order(spec.column), order(clusters.id))
    .limit(input.limit + 1);

  const kept = rows.slice(0, input.limit).map((r) => r.cluster);
  const last = kept[kept.length - 1];
  const [views, lastKey] = await Promise.all([
    toClusterViews(ctx.db, kept, now, input.thresholds),
    rows.length > input.limit && last ? spec.keyOf(ctx.db, last) : undefined,
  ]);
  const byId = new Map(views.map((v) => [v.id, v]));
  return toPage(
    rows,
    input.limit,
    (r): CursorValues => ({ sort, key: lastKey!, id: r.cluster.id }),
    (r) => byId.get(r.cluster.id)!,
  );
}
