/**
 * Lists the pools of a live cluster, oldest first, with keyset pagination on
 * (created_at, id); `q` matches name or description, case-insensitively.
 */

import { and, asc, eq, ilike, or, type SQL, sql } from "drizzle-orm";
import { nodePools } from "../../../drizzle/schema/index.ts";
import { liveCluster } from "../clusters/cluster-view.ts";
import type { ServiceCall } from "../context.ts";
import { microsText, positionFromCursor } from "../events/keyset.ts";
import { likeContaining } from "../like.ts";
import { type CursorValues, type Page, toPage } from "../pagination.ts";
import { type PoolView, toPoolView } from "./pool-view.ts";

export interface ListPoolsInput {
  clusterId: string;
  limit: number;
  cursor?: string | undefined;
  q?: string | undefined;
  /** only pools of this type */
  poolType?: string | undefined;
  /** the caller may read the pools but not their hook scripts (viewers) */
  redactHooks?: boolean;
}

/** `%`, `_` and `\` in user text match themselves. */

function afterCursor(cursor: string): SQL {
  const { at, id } = positionFromCursor(cursor);
  return sql`(${nodePools.createdAt}, ${nodePools.id}) > (${at}::timestamptz, ${id}::uuid)`;
}

export async function listPools({ ctx, input }: ServiceCall<ListPoolsInput>): Promise<Page<PoolView>> {
  await liveCluster(ctx.db, input.clusterId);
  const conditions: (SQL | undefined)[] = [eq(nodePools.clusterId, input.clusterId)];
  if (input.q) {
    const pattern = likeContaining(input.q);
    conditions.push(or(ilike(nodePools.name, pattern), ilike(nodePools.description, pattern)));
  }
  if (input.poolType !== undefined) conditions.push(eq(nodePools.poolType, input.poolType));
  if (input.cursor) conditions.push(afterCursor(input.cursor));
  const rows = await ctx.db
    .select({ pool: nodePools, at: microsText(nodePools.createdAt) })
    .from(nodePools)
    .where(and(...conditions))
    .orderBy(asc(nodePools.createdAt), asc(nodePools.id))
    .limit(input.limit + 1);
  return toPage(
    rows,
    input.limit,
    (r): CursorValues => ({ at: r.at, id: r.pool.id }),
    (r) => toPoolView(r.pool, { redactHooks: input.redactHooks === true }),
  );
}
