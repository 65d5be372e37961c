/**
 * The import's decisions without a database: duplicates within a file,
 * existing addresses with and without overwrite (only given fields count),
 * a scoped caller's view, pool requirements, and CSV problems merged with
 * schema errors.
 */
import { z } from "@hono/zod-openapi";
import { describe, expect, it } from "vitest";
import type { NodePool } from "../../../../../drizzle/schema/index.ts";
import { machineRowSchema } from "../../../../../functions/routes/v1/machine-imports/row-schema.ts";
import {
  addressesOf,
  type ExistingMachine,
  planImport,
  type RowPlan,
} from "../../../../../functions/services/machine-import/plan.ts";
import type { RawRow } from "../../../../../functions/services/machine-import/raw-row.ts";
import { summarize } from "../../../../../functions/services/machine-import/report.ts";

const schema = machineRowSchema(
  z.strictObject({
    hostname: z.string().min(1).max(253),
    ip: z.union([z.ipv4(), z.ipv6()]),
    cpuCores: z.int().min(0).optional(),
    region: z.string().nullable().optional(),
    labels: z.record(z.string(), z.string()).optional(),
    clusterId: z.uuid().optional(),
  }),
);

const rowsOf = (...values: unknown[]): RawRow[] =>
  values.map((value, i) => ({ row: i + 1, value, problems: [] }));

const existingMachine = (overrides: Partial<ExistingMachine> = {}): ExistingMachine =>
  ({
    id: "00000000-0000-4000-8000-000000000001",
    ip: "10.0.0.1",
    version: 3,
    clusterId: null,
    hostname: "old",
    sshUser: "root",
    sshPort: 22,
    sshKeyRef: null,
    cpuCores: 8,
    memoryBytes: 0,
    gpuCount: 0,
    gpuType: null,
    region: "eu",
    zone: null,
    rack: null,
    osImage: null,
    kernelVersion: null,
    labels: { env: "prod" },
    taints: [],
    tags: [],
    ...overrides,
  }) as ExistingMachine;

function plan(rows: RawRow[], options: Partial<Parameters<typeof planImport>[0]> = {}): RowPlan[] {
  return planImport({
    rows,
    schema,
    existing: new Map(),
    overwrite: false,
    pool: null,
    scopeClusterId: null,
    ...options,
  });
}

describe("planning an import", () => {
  it("creates new machines and flags later duplicates of an address, even in other spellings", () => {
    const plans = plan(
      rowsOf(
        { hostname: "a", ip: "2001:db8::1" },
        { hostname: "b", ip: "10.0.0.2" },
        { hostname: "c", ip: "2001:DB8:0::1" },
      ),
    );
    expect(plans.map((p) => p.status)).toEqual(["created", "created", "error"]);
    expect(plans[2]).toMatchObject({ errors: [{ field: "ip", message: expect.stringContaining("row 1") }] });
    expect(addressesOf(rowsOf({ ip: "2001:DB8::1" }, { ip: "junk" }, 7))).toEqual(["2001:db8::1"]);
  });

  it("reports every field error of a row, unknown fields and fields an import cannot set", () => {
    const [result] = plan(rowsOf({ hostname: "", ip: "10.0.0.300", colour: "red", clusterId: "x" }));
    expect(result!.status).toBe("error");
    const fields = result!.status === "error" ? result!.errors.map((e) => e.field).sort() : [];
    expect(fields).toEqual(["clusterId", "colour", "hostname", "ip"]);
  });

  it("keeps CSV reading problems and does not repeat a field the schema also rejects", () => {
    const rows: RawRow[] = [
      {
        row: 2,
        value: { hostname: "h", ip: "10.0.0.9" },
        problems: [{ field: "cpuCores", message: "not a number" }],
      },
    ];
    const [result] = plan(rows);
    expect(result).toMatchObject({
      row: 2,
      status: "error",
      errors: [{ field: "cpuCores", message: "not a number" }],
    });
  });

  it("treats an existing address as an error unless overwrite, then updates only the given fields that differ", () => {
    const existing = new Map([["10.0.0.1", existingMachine()]]);
    const row = rowsOf({ hostname: "old", ip: "10.0.0.1", cpuCores: 16 });
    expect(plan(row, { existing })[0]).toMatchObject({
      status: "error",
      errors: [{ field: "ip", message: expect.stringMatching(/already exists.*overwrite=true/) }],
    });
    const [updated] = plan(row, { existing, overwrite: true });
    expect(updated).toMatchObject({ status: "updated", values: { cpuCores: 16 } });
    const same = rowsOf({ hostname: "old", ip: "10.0.0.1", labels: { env: "prod" } });
    expect(plan(same, { existing, overwrite: true })[0]!.status).toBe("unchanged");
    const cleared = rowsOf({ hostname: "old", ip: "10.0.0.1", region: null });
    expect(plan(cleared, { existing, overwrite: true })[0]).toMatchObject({
      status: "updated",
      values: { region: null },
    });
  });

  it("does not let a scoped caller overwrite, or even name, another cluster's machine", () => {
    const existing = new Map([["10.0.0.1", existingMachine({ clusterId: "c-other" })]]);
    const [result] = plan(rowsOf({ hostname: "x", ip: "10.0.0.1" }), {
      existing,
      overwrite: true,
      scopeClusterId: "c-mine",
    });
    expect(result!.status).toBe("error");
    expect(JSON.stringify(result)).not.toContain(existingMachine().id);
  });

  it("checks new machines against the target pool's requirements", () => {
    const pool = { name: "gpu", hardwareRequirements: { minCpuCores: 32, regions: ["eu"] } } as NodePool;
    const plans = plan(
      rowsOf(
        { hostname: "a", ip: "10.0.0.1", cpuCores: 64, region: "eu" },
        { hostname: "b", ip: "10.0.0.2" },
      ),
      {
        pool,
      },
    );
    expect(plans[0]!.status).toBe("created");
    expect(plans[1]).toMatchObject({
      status: "error",
      errors: [{ field: "", message: expect.stringContaining("pool gpu") }],
    });
  });

  it("summarizes results by status", () => {
    expect(
      summarize([
        { row: 1, status: "created", ip: null, hostname: null, machineId: null },
        { row: 2, status: "error", ip: null, hostname: null, machineId: null },
        { row: 3, status: "error", ip: null, hostname: null, machineId: null },
      ]),
    ).toEqual({ total: 3, created: 1, updated: 0, unchanged: 0, error: 2, skipped: 0 });
  });
});
