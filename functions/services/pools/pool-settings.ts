/**
 * What an operator can set on a pool, how a change merges into the current
 * settings, and the rules the merged result must keep. Create and update both
 * validate the WHOLE would-be pool, so a change to one field cannot break a
 * rule that spans two (min ≤ max, allocatable ≤ capacity).
 */
import { getTableColumns } from "drizzle-orm";
import { type DrainSettings, type NodePool, nodePools } from "../../../drizzle/schema/index.ts";
import type { PoolLifecycle } from "../../../proto/agent-api.ts";
import { DEFAULT_POOL_LIFECYCLE } from "../../../proto/pool-lifecycle.ts";
import { AppError } from "../../lib/errors.ts";
import { mapDbError } from "../db-errors.ts";
import { isPoolType, POOL_TYPE_RULE } from "./pool-type.ts";

export type PoolSettings = Omit<NodePool, "id" | "clusterId" | "createdAt" | "updatedAt">;

/** Settings objects a change merges into key by key; every other setting is replaced. */
const MERGED_SETTINGS = ["drainSettings", "lifecycleSettings"] as const;
type MergedSetting = (typeof MERGED_SETTINGS)[number];
const isMerged = (key: string): key is MergedSetting => (MERGED_SETTINGS as readonly string[]).includes(key);

/** A partial change; drain and lifecycle settings merge key by key, everything else is replaced. */
export type PoolChanges = Partial<Omit<PoolSettings, MergedSetting>> & {
  drainSettings?: Partial<DrainSettings> | undefined;
  lifecycleSettings?: Partial<PoolLifecycle> | undefined;
};

const RESOURCES = ["CpuMillis", "MemoryBytes", "EphemeralStorageBytes", "Pods"] as const;

/** The table's column defaults: a new pool starts from exactly what Postgres would fill in. */
function tableDefaults(): PoolSettings {
  const defaults: Record<string, unknown> = {};
  for (const [key, column] of Object.entries(getTableColumns(nodePools))) {
    defaults[key] = column.default ?? null;
  }
  const { id: _id, clusterId: _cluster, createdAt: _c, updatedAt: _u, ...settings } = defaults;
  return structuredClone(settings) as PoolSettings;
}

/** The settable part of a stored pool. */
export function settingsOf(row: NodePool): PoolSettings {
  const { id: _id, clusterId: _cluster, createdAt: _c, updatedAt: _u, ...settings } = row;
  return settings;
}

/** Names of the settings that differ; jsonb may reorder object keys, so objects compare by content. */
export function changedSettings(before: PoolSettings, after: PoolSettings): string[] {
  return Object.keys(after).filter(
    (key) => canonical(before[key as keyof PoolSettings]) !== canonical(after[key as keyof PoolSettings]),
  );
}

function canonical(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) =>
    v !== null && typeof v === "object" && !Array.isArray(v)
      ? Object.fromEntries(Object.entries(v).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)))
      : v,
  );
}

export function applyChanges(current: PoolSettings, changes: PoolChanges): PoolSettings {
  const next: Record<string, unknown> = { ...current };
  for (const [key, value] of Object.entries(changes)) {
    if (value !== undefined && !isMerged(key)) next[key] = value;
  }
  return {
    ...(next as PoolSettings),
    drainSettings: { ...current.drainSettings, ...changes.drainSettings },
    // defaults first: a pool stored before a setting existed gains it, not a hole
    lifecycleSettings: {
      ...DEFAULT_POOL_LIFECYCLE,
      ...current.lifecycleSettings,
      ...changes.lifecycleSettings,
    },
  };
}

/**
 * A new pool: table defaults, then the caller's fields. Allocatable resources
 * left out default to the capacity given, the usual case of a node with no
 * reservations.
 */
export function newPoolSettings(changes: PoolChanges & { name: string }): PoolSettings {
  const settings = applyChanges(tableDefaults(), changes);
  for (const r of RESOURCES) {
    const capacity = changes[`capacity${r}` as const];
    if (changes[`allocatable${r}` as const] === undefined && capacity !== undefined) {
      settings[`allocatable${r}` as const] = capacity;
    }
  }
  return settings;
}

/** Rules spanning several fields; zod has checked each field on its own. */
export function assertPoolInvariants(settings: PoolSettings): void {
  const violations: { field: string; message: string }[] = [];
  if (settings.minSize > settings.maxSize) {
    violations.push({
      field: "minSize",
      message: `minSize (${settings.minSize}) must not exceed maxSize (${settings.maxSize})`,
    });
  }
  if (settings.poolType !== null && !isPoolType(settings.poolType)) {
    violations.push({ field: "poolType", message: `poolType ${POOL_TYPE_RULE}` });
  }
  for (const r of RESOURCES) {
    const allocatable = settings[`allocatable${r}` as const];
    const capacity = settings[`capacity${r}` as const];
    if (allocatable > capacity) {
      violations.push({
        field: `allocatable${r}`,
        message: `allocatable${r} (${allocatable}) must not exceed capacity${r} (${capacity})`,
      });
    }
  }
  if (violations.length > 0) {
    throw new AppError("validation_failed", violations.map((v) => v.message).join("; "), { violations });
  }
}

export const POOL_NAME_CONSTRAINT = "node_pools_cluster_name_uq";

/** Database errors a pool write can cause, with the duplicate name said in words. */
export function poolWriteError(err: unknown, name: string): unknown {
  const mapped = mapDbError(err);
  if (mapped?.details?.constraint === POOL_NAME_CONSTRAINT) {
    return new AppError("conflict", `a pool named ${name} already exists in this cluster`, {
      name,
      constraint: POOL_NAME_CONSTRAINT,
    });
  }
  return mapped ?? err;
}
