/**
 * Decides, without writing, what each row would do: be created, update an
 * existing machine (overwrite by address), leave it unchanged, or fail with
 * field-level errors. Pure over its inputs (the rows, the machines already
 * holding those addresses, the target pool), so a dry run and a real run
 * reach the same decisions — except that a cluster-scoped caller's dry run
 * is not shown other clusters' addresses (import-machines.ts).
 */
import type { Machine, NodePool } from "../../../drizzle/schema/index.ts";
import { canonicalIp } from "../../../proto/machine-address.ts";
import { meetsRequirements } from "../machines/requirements.ts";
import {
  type DESCRIPTIVE_FIELDS,
  type DescriptiveValues,
  type ImportedMachine,
  type MachineRowSchema,
  sameValue,
} from "./machine-fields.ts";
import type { FieldError, RawRow } from "./raw-row.ts";

/** The existing machine holding an address, as far as an import needs it. */
export type ExistingMachine = Pick<Machine, "id" | "ip" | "version" | "clusterId" | DescriptiveKey>;
type DescriptiveKey = (typeof DESCRIPTIVE_FIELDS)[number];

interface RowBase {
  row: number;
  ip: string | null;
  hostname: string | null;
}

export type RowPlan =
  | (RowBase & { status: "created"; key: string; machine: ImportedMachine })
  | (RowBase & { status: "updated"; key: string; existing: ExistingMachine; values: DescriptiveValues })
  | (RowBase & { status: "unchanged"; existing: ExistingMachine })
  | (RowBase & { status: "error"; errors: FieldError[] });

export interface PlanInput {
  rows: readonly RawRow[];
  schema: MachineRowSchema;
  /** live machines by canonical address */
  existing: ReadonlyMap<string, ExistingMachine>;
  overwrite: boolean;
  /** the pool new machines join, when the import assigns them */
  pool: NodePool | null;
  /** a cluster-scoped caller may only overwrite machines of its cluster */
  scopeClusterId: string | null;
}

const text = (value: unknown): string | null => (typeof value === "string" ? value.slice(0, 253) : null);
const field = (value: unknown, name: string): unknown =>
  typeof value === "object" && value !== null && !Array.isArray(value)
    ? (value as Record<string, unknown>)[name]
    : undefined;

/** The canonical address of every live machine the rows name, for one lookup query. */
export function addressesOf(rows: readonly RawRow[]): string[] {
  const keys = new Set<string>();
  for (const { value } of rows) {
    const ip = field(value, "ip");
    const key = typeof ip === "string" ? canonicalIp(ip) : null;
    if (key) keys.add(key);
  }
  return [...keys];
}

export function planImport(input: PlanInput): RowPlan[] {
  const firstRowOf = new Map<string, number>();
  return input.rows.map((raw) => {
    const base: RowBase = {
      row: raw.row,
      ip: text(field(raw.value, "ip")),
      hostname: text(field(raw.value, "hostname")),
    };
    const rawIp = field(raw.value, "ip");
    const key = typeof rawIp === "string" ? canonicalIp(rawIp) : null;
    // the first row with an address owns it, valid or not: later ones are the duplicates
    const firstRow = key === null ? undefined : firstRowOf.get(key);
    if (key !== null && firstRow === undefined) firstRowOf.set(key, raw.row);

    const validation = input.schema.validate(raw.value);
    const errors = [...raw.problems];
    if (!validation.ok) {
      const reported = new Set(errors.map((e) => e.field));
      errors.push(...validation.errors.filter((e) => !reported.has(e.field)));
    }
    if (firstRow !== undefined) {
      errors.push({ field: "ip", message: `the address ${base.ip} is already used by row ${firstRow}` });
    }
    if (errors.length > 0 || !validation.ok || key === null) {
      if (errors.length === 0) errors.push({ field: "ip", message: "not an IPv4 or IPv6 address" });
      return { ...base, status: "error", errors };
    }
    // a valid row reports the address and host name as stored (canonical), not as the file spelled them
    const stored = { ...base, ip: validation.machine.ip, hostname: validation.machine.hostname };
    return decide(input, stored, key, validation.machine);
  });
}

function decide(input: PlanInput, base: RowBase, key: string, machine: ImportedMachine): RowPlan {
  const existing = input.existing.get(key);
  if (!existing) {
    const misfit = input.pool ? poolMisfit(input.pool, machine.values) : null;
    if (misfit) return { ...base, status: "error", errors: [misfit] };
    return { ...base, status: "created", key, machine };
  }
  const visible = input.scopeClusterId === null || existing.clusterId === input.scopeClusterId;
  if (!input.overwrite || !visible) {
    const message = `a machine with this address already exists${visible ? ` (${existing.id})` : ""}`;
    const hint = visible ? "; pass overwrite=true to update it" : "";
    return { ...base, status: "error", errors: [{ field: "ip", message: `${message}${hint}` }] };
  }
  const values: DescriptiveValues = {};
  for (const name of machine.given) {
    if (!sameValue(machine.values[name] ?? null, existing[name] ?? null)) {
      Object.assign(values, { [name]: machine.values[name] ?? null });
    }
  }
  if (Object.keys(values).length === 0) return { ...base, status: "unchanged", existing };
  return { ...base, status: "updated", key, existing, values };
}

/** A new machine joining a pool must fit it, as an operator's assignment must. */
function poolMisfit(pool: NodePool, values: DescriptiveValues): FieldError | null {
  const fit = meetsRequirements(
    {
      cpuCores: values.cpuCores ?? 0,
      memoryBytes: values.memoryBytes ?? 0,
      gpuCount: values.gpuCount ?? 0,
      gpuType: values.gpuType ?? null,
      region: values.region ?? null,
      zone: values.zone ?? null,
      labels: values.labels ?? {},
    },
    pool,
  );
  if (fit.ok) return null;
  return {
    field: "",
    message: `does not meet the requirements of pool ${pool.name}: ${fit.reasons.join("; ")}`,
  };
}
