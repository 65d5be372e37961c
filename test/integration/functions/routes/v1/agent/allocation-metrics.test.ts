/**
 * ksp_allocations_total counts machines: reserved by a new allocation
 * (granted), asked for and refused (pool at max); a replayed allocation
 * reserves nothing and counts nothing.
 */
import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  createPrometheusMetrics,
  type PrometheusMetrics,
} from "../../../../../../functions/lib/metrics/prometheus.ts";
import { startTestApi, type TestApi } from "../../../../../support/api.ts";
import { seedCluster, seedMachines, seedPool } from "../../../../../support/fixtures.ts";
import { requirePostgres } from "../../../../../support/postgres.ts";

const ok = await requirePostgres();

async function allocated(metrics: PrometheusMetrics, outcome: string): Promise<number> {
  const metric = await metrics.registry.getSingleMetric("ksp_allocations_total")?.get();
  return metric?.values.find((v) => v.labels.outcome === outcome)?.value ?? Number.NaN;
}

describe.skipIf(!ok)("allocation metrics", () => {
  let api: TestApi;
  let metrics: PrometheusMetrics;
  beforeAll(async () => {
    metrics = createPrometheusMetrics();
    api = await startTestApi({ metrics });
  });
  afterAll(() => api?.close());

  it("counts granted machines once per allocation and refused ones by what was asked", async () => {
    const { db } = api.database;
    const cluster = await seedCluster(db);
    const tag = randomUUID().slice(0, 8);
    const pool = await seedPool(db, cluster.id, {
      maxSize: 2,
      hardwareRequirements: { machineLabels: { tag } },
    });
    await seedMachines(db, 4, { labels: { tag } });
    const credential = await api.agentCredentialFor(cluster.id);
    const allocate = (requestId: string, delta: number) =>
      api.json("POST", "/v1/agent/allocations", {
        token: credential,
        body: { poolId: pool.id, delta, requestId },
      });

    expect(await allocated(metrics, "granted")).toBe(0);
    const first = randomUUID();
    expect((await allocate(first, 2)).status).toBe(200);
    expect(await allocated(metrics, "granted")).toBe(2);

    expect((await allocate(first, 2)).status).toBe(200);
    expect(await allocated(metrics, "granted")).toBe(2);

    expect((await allocate(randomUUID(), 3)).status).toBe(409);
    expect(await allocated(metrics, "refused")).toBe(3);
    expect(await allocated(metrics, "granted")).toBe(2);
  });
});
