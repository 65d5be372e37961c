/**
 * meetsRequirements: each hardware requirement on its own, absent/zero/empty
 * requirements asking for nothing, and every failed rule reported at once.
 */
import { describe, expect, it } from "vitest";
import type { HardwareRequirements } from "../../../../../drizzle/schema/index.ts";
import {
  type MachineHardware,
  meetsRequirements,
} from "../../../../../functions/services/machines/requirements.ts";

const GiB = 2 ** 30;
const machine = (overrides: Partial<MachineHardware> = {}): MachineHardware => ({
  cpuCores: 16,
  memoryBytes: 64 * GiB,
  gpuCount: 2,
  gpuType: "nvidia-a100",
  region: "eu-central",
  zone: "eu-central-1a",
  labels: { rack: "r1", disk: "nvme" },
  ...overrides,
});
const check = (m: MachineHardware, hardwareRequirements: HardwareRequirements) =>
  meetsRequirements(m, { hardwareRequirements });

describe("meetsRequirements", () => {
  it("accepts any machine when nothing is required, including zero and empty requirements", () => {
    const bare = machine({
      cpuCores: 0,
      memoryBytes: 0,
      gpuCount: 0,
      gpuType: null,
      region: null,
      zone: null,
      labels: {},
    });
    expect(check(bare, {})).toEqual({ ok: true });
    expect(
      check(bare, {
        minCpuCores: 0,
        minMemoryBytes: 0,
        minGpuCount: 0,
        regions: [],
        zones: [],
        machineLabels: {},
      }),
    ).toEqual({ ok: true });
  });

  it("compares cpu, memory and gpu count as minimums, inclusive", () => {
    expect(check(machine(), { minCpuCores: 16, minMemoryBytes: 64 * GiB, minGpuCount: 2 })).toEqual({
      ok: true,
    });
    expect(check(machine(), { minCpuCores: 17 })).toEqual({
      ok: false,
      reasons: ["cpu: 16 cores, needs 17"],
    });
    expect(check(machine(), { minMemoryBytes: 64 * GiB + 1 })).toEqual({
      ok: false,
      reasons: [`memory: ${64 * GiB} bytes, needs ${64 * GiB + 1}`],
    });
    expect(check(machine({ gpuCount: 0 }), { minGpuCount: 1 })).toEqual({
      ok: false,
      reasons: ["gpu count: 0, needs 1"],
    });
  });

  it("needs the exact gpu type; a machine without gpus has none", () => {
    expect(check(machine(), { gpuType: "nvidia-a100" }).ok).toBe(true);
    expect(check(machine(), { gpuType: "nvidia-A100" }).ok).toBe(false);
    expect(check(machine({ gpuType: null }), { gpuType: "nvidia-a100" })).toEqual({
      ok: false,
      reasons: ['gpu type: none, needs "nvidia-a100"'],
    });
  });

  it("needs the region and zone to be listed; an unknown location matches no list", () => {
    expect(check(machine(), { regions: ["us-east", "eu-central"], zones: ["eu-central-1a"] }).ok).toBe(true);
    expect(check(machine(), { regions: ["us-east"] })).toEqual({
      ok: false,
      reasons: ['region: "eu-central", needs one of us-east'],
    });
    expect(check(machine({ zone: null }), { zones: ["eu-central-1a"] }).ok).toBe(false);
    expect(check(machine({ region: null }), { regions: ["eu-central"] }).ok).toBe(false);
  });

  it("needs every required label with the same value; extra machine labels do not matter", () => {
    expect(check(machine(), { machineLabels: { rack: "r1" } }).ok).toBe(true);
    expect(check(machine(), { machineLabels: { rack: "r2", gpu: "yes" } })).toEqual({
      ok: false,
      reasons: ['label rack=r2: "r1"; label gpu=yes: missing'],
    });
    // inherited object properties are not labels
    expect(check(machine({ labels: {} }), { machineLabels: { constructor: "x" } }).ok).toBe(false);
  });

  it("reports every unmet requirement, in a stable order", () => {
    const result = check(machine({ cpuCores: 4, gpuType: null, region: "us-east" }), {
      minCpuCores: 8,
      gpuType: "nvidia-h100",
      regions: ["eu-central"],
      machineLabels: { rack: "r1" },
    });
    expect(result).toEqual({
      ok: false,
      reasons: [
        "cpu: 4 cores, needs 8",
        'gpu type: none, needs "nvidia-h100"',
        'region: "us-east", needs one of eu-central',
      ],
    });
  });
});
