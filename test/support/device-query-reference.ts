/**
 * A brute-force, in-memory matcher of the device query semantics documented
 * in functions/services/device-query/template.ts, written from that text and
 * not from the SQL compiler: the property test holds POST /v1/device-query's
 * SQL to it. It reads machines as the database returns them (Machine rows).
 */
import type { Machine } from "../../drizzle/schema/index.ts";
import type {
  DeviceField,
  Logic,
  QueryBlock,
  QueryGroup,
  QueryTemplateBody,
} from "../../functions/services/device-query/template.ts";
import { canonicalIp } from "../../proto/machine-address.ts";

export interface ReferenceScope {
  scopeClusterId: string | null;
  clusterId?: string | undefined;
  poolId?: string | undefined;
  unassigned?: boolean | undefined;
}

/** The ids of the matching machines in scope, oldest first by (createdAt, id). */
export function referenceMatches(
  inventory: readonly Machine[],
  template: QueryTemplateBody,
  extra: readonly QueryGroup[],
  scope: ReferenceScope,
): string[] {
  return inventory
    .filter((m) => inScope(m, scope) && matchesTemplate(m, template, extra))
    .sort((a, b) => a.createdAt.getTime() - b.createdAt.getTime() || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0))
    .map((m) => m.id);
}

export function inScope(m: Machine, scope: ReferenceScope): boolean {
  if (scope.scopeClusterId !== null && m.clusterId !== scope.scopeClusterId) return false;
  if (scope.clusterId !== undefined && m.clusterId !== scope.clusterId) return false;
  if (scope.poolId !== undefined && m.poolId !== scope.poolId) return false;
  if (scope.unassigned === true && m.clusterId !== null) return false;
  if (scope.unassigned === false && m.clusterId === null) return false;
  return true;
}

export function matchesTemplate(
  m: Machine,
  template: QueryTemplateBody,
  extra: readonly QueryGroup[],
): boolean {
  // no groups: every machine
  const base =
    template.groups.length === 0
      ? true
      : combine(
          template.logic,
          template.groups.map((g) => matchesGroup(m, g)),
        );
  return base && extra.every((g) => matchesGroup(m, g));
}

function combine(logic: Logic, results: boolean[]): boolean {
  return logic === "and" ? results.every(Boolean) : results.some(Boolean);
}

function matchesGroup(m: Machine, group: QueryGroup): boolean {
  return combine(
    group.logic,
    group.blocks.map((b) => matchesBlock(m, b)),
  );
}

export function matchesBlock(m: Machine, block: QueryBlock): boolean {
  switch (block.type) {
    case "device":
      return matchesDevice(m, block);
    case "nodeLabel": {
      const labels = m.labels as Record<string, string>;
      const value = Object.hasOwn(labels, block.key) ? labels[block.key] : undefined;
      return optionalString(value, block);
    }
    case "taint":
      return matchesTaint(m, block);
  }
}

const NUMBER_FIELDS = ["cpuCores", "memoryBytes", "gpuCount"] as const;

function matchesDevice(m: Machine, block: QueryBlock): boolean {
  const field = block.key as DeviceField;
  if ((NUMBER_FIELDS as readonly string[]).includes(field)) {
    return compareNumber(Number(m[field as (typeof NUMBER_FIELDS)[number]]), block);
  }
  if (field === "tags") return matchesTags(m.tags as string[], block);
  if (field === "ip") return matchesIp(m.ip, block);
  const value = m[field as Exclude<DeviceField, "tags" | "ip" | (typeof NUMBER_FIELDS)[number]>];
  return optionalString(value ?? undefined, block);
}

function compareNumber(n: number, block: QueryBlock): boolean {
  const v = block.value as number;
  const values = block.value as number[];
  switch (block.operator) {
    case "eq":
      return n === v;
    case "ne":
      return n !== v;
    case "gt":
      return n > v;
    case "gte":
      return n >= v;
    case "lt":
      return n < v;
    case "lte":
      return n <= v;
    case "in":
      return values.includes(n);
    case "notin":
      return !values.includes(n);
    case "exists":
      return true;
    case "notexists":
      return false;
    default:
      throw new Error(`reference: ${block.operator} on a number field`);
  }
}

/** A string that may be missing (undefined): missing is false except for ne, notin, notexists. */
function optionalString(value: string | undefined, block: QueryBlock): boolean {
  const present = value !== undefined;
  switch (block.operator) {
    case "eq":
      return present && value === block.value;
    case "ne":
      return !present || value !== block.value;
    case "in":
      return present && (block.value as string[]).includes(value);
    case "notin":
      return !present || !(block.value as string[]).includes(value);
    case "contains":
      return present && value.includes(block.value as string);
    case "exists":
      return present;
    case "notexists":
      return !present;
    default:
      throw new Error(`reference: ${block.operator} on a string`);
  }
}

function matchesIp(ip: string, block: QueryBlock): boolean {
  const same = (v: unknown) => canonicalIp(ip) === canonicalIp(String(v));
  switch (block.operator) {
    case "eq":
      return same(block.value);
    case "ne":
      return !same(block.value);
    case "in":
      return (block.value as string[]).some(same);
    case "notin":
      return !(block.value as string[]).some(same);
    case "contains":
      return ip.includes(block.value as string);
    case "exists":
      return true;
    case "notexists":
      return false;
    default:
      throw new Error(`reference: ${block.operator} on ip`);
  }
}

function matchesTags(tags: readonly string[], block: QueryBlock): boolean {
  switch (block.operator) {
    case "contains":
      return tags.includes(block.value as string);
    case "in":
      return (block.value as string[]).some((v) => tags.includes(v));
    case "notin":
      return !(block.value as string[]).some((v) => tags.includes(v));
    case "exists":
      return tags.length > 0;
    case "notexists":
      return tags.length === 0;
    default:
      throw new Error(`reference: ${block.operator} on tags`);
  }
}

function matchesTaint(m: Machine, block: QueryBlock): boolean {
  const withKey = (m.taints as { key: string; value?: string }[]).filter((t) => t.key === block.key);
  const hasValue = (v: unknown) => withKey.some((t) => t.value !== undefined && t.value === v);
  switch (block.operator) {
    case "exists":
      return block.value === undefined ? withKey.length > 0 : hasValue(block.value);
    case "notexists":
      return block.value === undefined ? withKey.length === 0 : !hasValue(block.value);
    case "eq":
      return hasValue(block.value);
    case "ne":
      return !hasValue(block.value);
    case "in":
      return (block.value as string[]).some(hasValue);
    case "notin":
      return !(block.value as string[]).some(hasValue);
    case "contains":
      return withKey.some((t) => typeof t.value === "string" && t.value.includes(block.value as string));
    default:
      throw new Error(`reference: ${block.operator} on a taint`);
  }
}
