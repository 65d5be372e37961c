/**
 * THE definition of "this machine fits the pool's hardware requirements".
 * Each requirement is written once, as a rule carrying both of its forms side
 * by side: a pure check (assignment by an operator, explanations to people)
 * and a SQL condition (candidate selection inside the reservation
 * transaction, where rows must be filtered and locked by Postgres). Keeping
 * the two forms in one rule is what keeps them from drifting apart.
 *
 * A requirement that is absent, zero or empty asks for nothing.
 */
import { arrayContains, eq, gte, inArray, type SQL } from "drizzle-orm";
import type { Labels } from "../../../drizzle/schema/columns.ts";
import { type HardwareRequirements, type Machine, machines } from "../../../drizzle/schema/index.ts";

/** The machine facts the rules read. */
export type MachineHardware = Pick<
  Machine,
  "cpuCores" | "memoryBytes" | "gpuCount" | "gpuType" | "region" | "zone" | "labels"
>;

export type RequirementsFit = { ok: true } | { ok: false; reasons: string[] };

interface Rule {
  /** the requirement's name in explanations ("minCpuCores", …), as HardwareRequirements spells it */
  name: keyof HardwareRequirements;
  /** whether the requirements ask for anything this rule checks */
  applies(req: HardwareRequirements): boolean;
  /** null when the machine passes, else why not (one line, for people) */
  reason(machine: MachineHardware, req: HardwareRequirements): string | null;
  /** the same test as a condition on the machines table */
  where(req: HardwareRequirements): SQL;
}

const atLeast = (have: number, need: number | undefined) => need === undefined || have >= need;
const oneOf = (have: string | null, allowed: readonly string[] | undefined) =>
  have !== null && (allowed ?? []).includes(have);
const nonEmpty = (list: readonly unknown[] | undefined) => list !== undefined && list.length > 0;
const shown = (value: string | null) => (value === null ? "none" : JSON.stringify(value));

/** Label pairs the machine lacks or has with another value; jsonb `@>` over string values means the same. */
function missingLabels(have: Labels, need: Labels): string[] {
  return Object.entries(need)
    .filter(([key, value]) => !(Object.hasOwn(have, key) && have[key] === value))
    .map(([key, value]) => {
      const actual = Object.hasOwn(have, key) ? shown(have[key] ?? null) : "missing";
      return `label ${key}=${value}: ${actual}`;
    });
}

const RULES: readonly Rule[] = [
  {
    name: "minCpuCores",
    applies: (req) => Boolean(req.minCpuCores),
    reason: (m, req) =>
      atLeast(m.cpuCores, req.minCpuCores) ? null : `cpu: ${m.cpuCores} cores, needs ${req.minCpuCores}`,
    where: (req) => gte(machines.cpuCores, req.minCpuCores ?? 0),
  },
  {
    name: "minMemoryBytes",
    applies: (req) => Boolean(req.minMemoryBytes),
    reason: (m, req) =>
      atLeast(m.memoryBytes, req.minMemoryBytes)
        ? null
        : `memory: ${m.memoryBytes} bytes, needs ${req.minMemoryBytes}`,
    where: (req) => gte(machines.memoryBytes, req.minMemoryBytes ?? 0),
  },
  {
    name: "minGpuCount",
    applies: (req) => Boolean(req.minGpuCount),
    reason: (m, req) =>
      atLeast(m.gpuCount, req.minGpuCount) ? null : `gpu count: ${m.gpuCount}, needs ${req.minGpuCount}`,
    where: (req) => gte(machines.gpuCount, req.minGpuCount ?? 0),
  },
  {
    name: "gpuType",
    applies: (req) => Boolean(req.gpuType),
    reason: (m, req) =>
      m.gpuType === req.gpuType ? null : `gpu type: ${shown(m.gpuType)}, needs ${shown(req.gpuType ?? null)}`,
    where: (req) => eq(machines.gpuType, req.gpuType ?? ""),
  },
  {
    name: "regions",
    applies: (req) => nonEmpty(req.regions),
    reason: (m, req) =>
      oneOf(m.region, req.regions)
        ? null
        : `region: ${shown(m.region)}, needs one of ${req.regions?.join(", ")}`,
    where: (req) => inArray(machines.region, [...(req.regions ?? [])]),
  },
  {
    name: "zones",
    applies: (req) => nonEmpty(req.zones),
    reason: (m, req) =>
      oneOf(m.zone, req.zones) ? null : `zone: ${shown(m.zone)}, needs one of ${req.zones?.join(", ")}`,
    where: (req) => inArray(machines.zone, [...(req.zones ?? [])]),
  },
  {
    name: "machineLabels",
    applies: (req) => Object.keys(req.machineLabels ?? {}).length > 0,
    reason: (m, req) => {
      const missing = missingLabels(m.labels, req.machineLabels ?? {});
      return missing.length === 0 ? null : missing.join("; ");
    },
    where: (req) => arrayContains(machines.labels, req.machineLabels ?? {}),
  },
];

/** Pure: whether the machine's hardware fits the pool, and if not, every reason why. */
export function meetsRequirements(
  machine: MachineHardware,
  pool: { hardwareRequirements: HardwareRequirements },
): RequirementsFit {
  const req = pool.hardwareRequirements;
  const reasons = RULES.filter((rule) => rule.applies(req))
    .map((rule) => rule.reason(machine, req))
    .filter((reason): reason is string => reason !== null);
  return reasons.length === 0 ? { ok: true } : { ok: false, reasons };
}

/** The same rules as conditions on `machines` (AND them); empty when nothing is required. */
export function requirementsConditions(req: HardwareRequirements): SQL[] {
  return RULES.filter((rule) => rule.applies(req)).map((rule) => rule.where(req));
}

/** One requirement as a SQL condition, named for people: "why does no machine fit?" */
export interface NamedCondition {
  /** e.g. "minCpuCores", or "machineLabels gpu=a100" (each label pair on its own) */
  requirement: string;
  where: SQL;
}

/**
 * The same conditions as requirementsConditions, one per requirement the pool
 * sets, with each label pair of `machineLabels` on its own: counting which one
 * rules out the most machines must name the label, not "some label".
 */
export function namedRequirementsConditions(req: HardwareRequirements): NamedCondition[] {
  return RULES.filter((rule) => rule.applies(req)).flatMap((rule): NamedCondition[] =>
    rule.name === "machineLabels"
      ? Object.entries(req.machineLabels ?? {}).map(([key, value]) => ({
          requirement: `machineLabels ${key}=${value}`,
          where: arrayContains(machines.labels, { [key]: value }),
        }))
      : [{ requirement: rule.name, where: rule.where(req) }],
  );
}
