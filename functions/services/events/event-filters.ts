/**
 * The filters shared by the events list and the events export, as SQL.
 * `kind` is exact ("machine.transition") or a prefix when it ends with "." or
 * ".*" ("machine." matches every machine event); `since` is inclusive,
 * `until` exclusive, both on created_at.
 */
import { and, eq, gte, like, lt, type SQL } from "drizzle-orm";
import { type OperationStatus, operations } from "../../../drizzle/schema/operations.ts";
import { likePrefix } from "../like.ts";

export interface EventFilters {
  /** a cluster-scoped caller sees only this cluster; null for every cluster */
  scopeClusterId: string | null;
  clusterId?: string | undefined;
  poolId?: string | undefined;
  machineId?: string | undefined;
  kind?: string | undefined;
  status?: OperationStatus | undefined;
  since?: Date | undefined;
  until?: Date | undefined;
}

export function kindCondition(kind: string): SQL {
  const prefix = kind.endsWith(".*") ? kind.slice(0, -1) : kind.endsWith(".") ? kind : null;
  return prefix === null ? eq(operations.kind, kind) : like(operations.kind, likePrefix(prefix));
}

export function eventConditions(f: EventFilters): SQL | undefined {
  const conditions: (SQL | undefined)[] = [];
  if (f.scopeClusterId !== null) conditions.push(eq(operations.clusterId, f.scopeClusterId));
  if (f.clusterId) conditions.push(eq(operations.clusterId, f.clusterId));
  if (f.poolId) conditions.push(eq(operations.poolId, f.poolId));
  if (f.machineId) conditions.push(eq(operations.machineId, f.machineId));
  if (f.kind) conditions.push(kindCondition(f.kind));
  if (f.status) conditions.push(eq(operations.status, f.status));
  if (f.since) conditions.push(gte(operations.createdAt, f.since));
  if (f.until) conditions.push(lt(operations.createdAt, f.until));
  return and(...conditions);
}
