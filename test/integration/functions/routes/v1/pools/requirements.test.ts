/**
 * One definition of "fits the pool": the SQL that reservations select
 * candidates with (candidates.ts → requirementsConditions) picks exactly the
 * free machines the pure meetsRequirements accepts, over a matrix of machines
 * and requirements, on real Postgres.
 */
import { randomUUID } from "node:crypto";
import { and, inArray } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type HardwareRequirements, type Machine, machines } from "../../../../../../drizzle/schema/index.ts";
import { assignableTo } from "../../../../../../functions/services/machines/candidates.ts";
import { meetsRequirements } from "../../../../../../functions/services/machines/requirements.ts";
import { startTestApi, type TestApi } from "../../../../../support/api.ts";
import { seedMachine } from "../../../../../support/fixtures.ts";
import { requirePostgres } from "../../../../../support/postgres.ts";

const ok = await requirePostgres();
const GiB = 2 ** 30;

const HARDWARE = [
  { cpuCores: 4, memoryBytes: 16 * GiB, gpuCount: 0, gpuType: null, region: null, zone: null, labels: {} },
  {
    cpuCores: 16,
    memoryBytes: 64 * GiB,
    gpuCount: 2,
    gpuType: "nvidia-a100",
    region: "eu-central",
    zone: "eu-central-1a",
    labels: { rack: "r1", "ksp.io/disk": "nvme" },
  },
  {
    cpuCores: 32,
    memoryBytes: 256 * GiB,
    gpuCount: 8,
    gpuType: "nvidia-h100",
    region: "us-east",
    zone: "us-east-1b",
    labels: { rack: "r2" },
  },
  {
    cpuCores: 8,
    memoryBytes: 32 * GiB,
    gpuCount: 0,
    gpuType: null,
    region: "eu-central",
    zone: "eu-central-1b",
    labels: { rack: "r1" },
  },
] as const;

const REQUIREMENTS: HardwareRequirements[] = [
  {},
  { minCpuCores: 0, regions: [], zones: [], machineLabels: {} },
  { minCpuCores: 8 },
  { minCpuCores: 16, minMemoryBytes: 64 * GiB },
  { minMemoryBytes: 64 * GiB + 1 },
  { minGpuCount: 1 },
  { gpuType: "nvidia-a100" },
  { minGpuCount: 4, gpuType: "nvidia-a100" },
  { regions: ["eu-central"] },
  { regions: ["eu-central", "us-east"], zones: ["us-east-1b", "eu-central-1b"] },
  { zones: ["nowhere"] },
  { machineLabels: { rack: "r1" } },
  { machineLabels: { rack: "r1", "ksp.io/disk": "nvme" } },
  { machineLabels: { rack: "r3" } },
  { minCpuCores: 8, regions: ["eu-central"], machineLabels: { rack: "r1" } },
];

describe.skipIf(!ok)("hardware requirements: SQL and pure check agree", () => {
  let api: TestApi;
  let seeded: Machine[];
  beforeAll(async () => {
    api = await startTestApi();
    seeded = [];
    for (const hw of HARDWARE)
      seeded.push(await seedMachine(api.database.db, { ...hw, labels: { ...hw.labels } }));
  });
  afterAll(() => api?.close());

  it.each(REQUIREMENTS.map((r) => [JSON.stringify(r), r] as const))("requirements %s", async (_, req) => {
    const pool = { id: randomUUID(), clusterId: randomUUID(), hardwareRequirements: req };
    const rows = await api.database.db
      .select({ id: machines.id })
      .from(machines)
      .where(
        and(
          assignableTo(pool),
          inArray(
            machines.id,
            seeded.map((m) => m.id),
          ),
        ),
      );
    const bySql = rows.map((r) => r.id).sort();
    const byCheck = seeded
      .filter((m) => meetsRequirements(m, pool).ok)
      .map((m) => m.id)
      .sort();
    expect(bySql).toEqual(byCheck);
  });

  it("the matrix is not trivial: some requirements accept some machines and refuse others", () => {
    const accepted = REQUIREMENTS.map(
      (req) => seeded.filter((m) => meetsRequirements(m, { hardwareRequirements: req }).ok).length,
    );
    expect(accepted).toContain(0);
    expect(accepted).toContain(seeded.length);
    expect(accepted.some((n) => n > 0 && n < seeded.length)).toBe(true);
  });
});
