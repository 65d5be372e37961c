/**
 * What an import may write. A new machine gets its address plus these
 * descriptive fields; an overwrite by address may change only these fields
 * (those the row gives), never the machine's status, assignment or history.
 * The pinned host key is among them, as PATCH lets an operator set it too.
 * Hardware facts (cpu, memory, gpus) are facts: they may change even while
 * the machine is in use, since refusing would keep the inventory wrong.
 */
import type { Machine, NewMachine } from "../../../drizzle/schema/index.ts";
import type { FieldKind } from "./csv-rows.ts";
import type { FieldError } from "./raw-row.ts";

export const DESCRIPTIVE_FIELDS = [
  "hostname",
  "sshUser",
  "sshPort",
  "sshKeyRef",
  "hostKeyFingerprint",
  "cpuCores",
  "memoryBytes",
  "gpuCount",
  "gpuType",
  "region",
  "zone",
  "rack",
  "osImage",
  "kernelVersion",
  "kubeletVersion",
  "containerRuntimeVersion",
  "labels",
  "taints",
  "tags",
] as const satisfies readonly (keyof Machine)[];

export type DescriptiveField = (typeof DESCRIPTIVE_FIELDS)[number];

export type DescriptiveValues = Partial<Pick<NewMachine, DescriptiveField>>;

export interface ImportedMachine {
  ip: string;
  hostname: string;
  values: DescriptiveValues;
  /** the descriptive fields the row gave explicitly: an overwrite changes only these */
  given: ReadonlySet<DescriptiveField>;
}

export type RowValidation = { ok: true; machine: ImportedMachine } | { ok: false; errors: FieldError[] };

/**
 * How rows are read and validated. The HTTP layer builds it from the shared
 * machine input schema, so an import accepts exactly what a single create does.
 */
export interface MachineRowSchema {
  /** every input field and how a CSV cell converts to it */
  fieldKinds: Map<string, FieldKind>;
  validate(value: unknown): RowValidation;
}

const DESCRIPTIVE = new Set<string>(DESCRIPTIVE_FIELDS);

export function isDescriptiveField(name: string): name is DescriptiveField {
  return DESCRIPTIVE.has(name);
}

/** Order-insensitive for object keys, order-sensitive for arrays (jsonb semantics). */
export function sameValue(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (a === null || b === null || typeof a !== "object" || typeof b !== "object") return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  if (Array.isArray(a) && Array.isArray(b)) {
    return a.length === b.length && a.every((item, i) => sameValue(item, b[i]));
  }
  const left = a as Record<string, unknown>;
  const right = b as Record<string, unknown>;
  const keys = Object.keys(left).filter((k) => left[k] !== undefined);
  const otherKeys = Object.keys(right).filter((k) => right[k] !== undefined);
  return keys.length === otherKeys.length && keys.every((k) => sameValue(left[k], right[k]));
}
