/**
 * POST /v1/machines/import on real Postgres: a 10,000-row CSV, dry runs that
 * match real runs and write nothing, row numbers, overwrite by address,
 * all-or-nothing refusal (422 with every row's errors) and rollback (a database
 * failure half-way through),
 * best-effort, pool assignment, formats, limits and authorisation.
 */
import { eq, sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { resultRows } from "../../../../../../drizzle/drivers/rows.ts";
import { auditLogs, clusters, machines, operations } from "../../../../../../drizzle/schema/index.ts";
import { startTestApi, type TestApi } from "../../../../../support/api.ts";
import { seedCluster, seedMachine, seedPool } from "../../../../../support/fixtures.ts";
import { requirePostgres } from "../../../../../support/postgres.ts";

const ok = await requirePostgres();
const GiB = 2 ** 30;
const HEADER = "hostname,ip,sshUser,sshPort,cpuCores,memoryBytes,region,zone,labels,tags";

/** Each test imports into its own 172.<16+block>.0.0/16, so counts never mix. */
const ipOf = (block: number, n: number) => `172.${16 + block}.${(n >> 8) & 255}.${n & 255}`;
const csvRow = (block: number, n: number, extra = "") =>
  `host-${block}-${n},${ipOf(block, n)},ubuntu,22,16,${64 * GiB},eu-west,eu-west-1a,env=prod;rack=r${n % 40};team=platform-infra${extra},gpu;ssd`;
const csvOf = (block: number, count: number) =>
  [HEADER, ...Array.from({ length: count }, (_, i) => csvRow(block, i + 1))].join("\n");

describe.skipIf(!ok)("importing machines", () => {
  let api: TestApi;
  beforeAll(async () => {
    api = await startTestApi();
  });
  afterAll(() => api?.close());

  const db = () => api.database.db;
  const importAs = (
    body: { text: string; contentType?: string } | { json: unknown },
    query = "",
    token = api.admin,
  ) =>
    "json" in body
      ? api.json("POST", `/v1/machines/import${query}`, { token, body: body.json })
      : api.json("POST", `/v1/machines/import${query}`, {
          token,
          text: body.text,
          contentType: body.contentType ?? "text/csv",
        });
  const countIn = async (block: number) => {
    const rows = resultRows<{ n: number }>(
      await db().execute(
        sql`select count(*)::int as n from machines where ip << ${`172.${16 + block}.0.0/16`}::inet`,
      ),
    );
    return rows[0]!.n;
  };
  const byIp = async (ip: string) => (await db().select().from(machines).where(eq(machines.ip, ip)))[0];

  it("imports 10,000 CSV rows in batches", async () => {
    const text = csvOf(1, 10_000);
    expect(text.length).toBeGreaterThan(1024 * 1024); // above the normal body limit: the bulk limit applies
    const started = performance.now();
    const { status, body } = await importAs({ text });
    const elapsedMs = Math.round(performance.now() - started);
    console.info(`[machine-import] 10,000 CSV rows imported in ${elapsedMs} ms`);
    expect(status).toBe(200);
    expect(body.applied).toBe(true);
    expect(body.summary).toEqual({
      total: 10_000,
      created: 10_000,
      updated: 0,
      unchanged: 0,
      error: 0,
      skipped: 0,
    });
    expect(await countIn(1)).toBe(10_000);
    expect(body.results[0]).toMatchObject({
      row: 2,
      status: "created",
      ip: ipOf(1, 1),
      hostname: "host-1-1",
    });
    const stored = await byIp(ipOf(1, 1));
    expect(stored).toMatchObject({
      id: body.results[0].machineId,
      sshUser: "ubuntu",
      cpuCores: 16,
      memoryBytes: 64 * GiB,
      labels: { env: "prod", rack: "r1", team: "platform-infra" },
      tags: ["gpu", "ssd"],
      status: "available",
      clusterId: null,
    });
    const [operation] = await db().select().from(operations).where(eq(operations.id, body.operationId));
    expect(operation).toMatchObject({ kind: "machine.import", status: "succeeded" });
    expect(operation!.metadata).toMatchObject({ created: 10_000, total: 10_000, format: "csv" });
    expect(elapsedMs).toBeLessThan(20_000);
  });

  it("dry-runs exactly what the real run then does, writing nothing", async () => {
    await seedMachine(db(), { ip: ipOf(2, 3), hostname: "old-3" });
    const text = [
      HEADER,
      csvRow(2, 1),
      csvRow(2, 2),
      csvRow(2, 3),
      "bad,not-an-ip,,,,,,,,",
      csvRow(2, 1),
    ].join("\r\n");
    const query = "?mode=best-effort&overwrite=true";
    const before = await countIn(2);
    const dry = await importAs({ text }, `${query}&dryRun=true`);
    expect(dry.status).toBe(200);
    expect(dry.body).toMatchObject({ dryRun: true, applied: false, operationId: null });
    expect(await countIn(2)).toBe(before);
    expect((await byIp(ipOf(2, 3)))!.hostname).toBe("old-3");

    const real = await importAs({ text }, query);
    expect(real.body.applied).toBe(true);
    const comparable = (results: { machineId: string | null; status: string }[]) =>
      results.map((r) => ({ ...r, machineId: r.status === "created" ? "new" : r.machineId }));
    expect(comparable(real.body.results)).toEqual(comparable(dry.body.results));
    expect(real.body.summary).toEqual(dry.body.summary);
    expect(real.body.summary).toMatchObject({ created: 2, updated: 1, error: 2 });
    expect(await countIn(2)).toBe(before + 2);
  });

  it("reports bad rows by the line they start on, with field-level messages", async () => {
    const text = [
      HEADER,
      "",
      csvRow(3, 1),
      `"multi\nline",${ipOf(3, 2)},root,70000,8,1,,,,`,
      `h3,${ipOf(3, 3)},root,22,eight,1,,,env,`,
      `h4,${ipOf(3, 1)},root,22,8,1,,,,`,
    ].join("\n");
    const { status, body } = await importAs({ text }, "?mode=best-effort");
    expect(status).toBe(200);
    const errors = body.results.filter((r: { status: string }) => r.status === "error");
    expect(errors.map((r: { row: number }) => r.row)).toEqual([4, 6, 7]);
    const fields = (row: number) =>
      errors.find((r: { row: number }) => r.row === row).errors.map((e: { field: string }) => e.field);
    expect(fields(4)).toContain("sshPort");
    expect(fields(6)).toEqual(expect.arrayContaining(["cpuCores", "labels"]));
    expect(errors.find((r: { row: number }) => r.row === 7).errors).toEqual([
      { field: "ip", message: `the address ${ipOf(3, 1)} is already used by row 3` },
    ]);
    expect(body.results[0]).toMatchObject({ row: 3, status: "created" });
    expect(await countIn(3)).toBe(1);
  });

  it("refuses existing addresses unless overwrite, which never touches status or assignment", async () => {
    const cluster = await seedCluster(db());
    const pool = await seedPool(db(), cluster.id);
    const existing = await seedMachine(db(), {
      ip: ipOf(4, 1),
      hostname: "before",
      region: "keep-me",
      status: "ready",
      clusterId: cluster.id,
      poolId: pool.id,
    });
    const rows = [{ hostname: "after", ip: ipOf(4, 1), cpuCores: 64, labels: { env: "prod" } }];

    const refused = await importAs({ json: { machines: rows } });
    expect(refused.status).toBe(422);
    expect(refused.body.error.code).toBe("import_rejected");
    expect(refused.body.report.applied).toBe(false);
    expect(refused.body.report.results[0].status).toBe("error");
    expect(refused.body.report.results[0].errors[0].message).toMatch(/already exists.*overwrite=true/);

    const versionBefore = (await db().select().from(clusters).where(eq(clusters.id, cluster.id)))[0]!
      .stateVersion;
    const updated = await importAs({ json: rows }, "?overwrite=true");
    expect(updated.body.results[0]).toMatchObject({ status: "updated", machineId: existing.id });
    const after = (await byIp(ipOf(4, 1)))!;
    expect(after).toMatchObject({
      hostname: "after",
      cpuCores: 64,
      labels: { env: "prod" },
      region: "keep-me",
      status: "ready",
      clusterId: cluster.id,
      poolId: pool.id,
      version: existing.version + 1,
    });
    const versionAfter = (await db().select().from(clusters).where(eq(clusters.id, cluster.id)))[0]!
      .stateVersion;
    expect(versionAfter).toBe(versionBefore + 1);

    const again = await importAs({ json: rows }, "?overwrite=true");
    expect(again.body.results[0]).toMatchObject({ status: "unchanged", machineId: existing.id });
    expect((await byIp(ipOf(4, 1)))!.version).toBe(existing.version + 1);
  });

  it("all-or-nothing writes nothing when one row is bad", async () => {
    const text = [HEADER, csvRow(5, 1), csvRow(5, 2), `x,${ipOf(5, 3)},root,0,1,1,,,,`, csvRow(5, 4)].join(
      "\n",
    );
    const { status, body, res } = await importAs({ text });
    expect(status).toBe(422);
    expect(body.error).toEqual({
      code: "import_rejected",
      message: expect.stringMatching(/^1 of 4 rows are in error, so nothing was written/),
      requestId: res.headers.get("x-request-id"),
      details: { summary: body.report.summary },
    });
    expect(body.report).toMatchObject({
      dryRun: false,
      mode: "all-or-nothing",
      applied: false,
      operationId: null,
    });
    expect(body.report.results.map((r: { status: string }) => r.status)).toEqual([
      "skipped",
      "skipped",
      "error",
      "skipped",
    ]);
    expect(body.report.results[2]).toMatchObject({ row: 4, errors: [{ field: "sshPort" }] });
    expect(body.report.summary).toMatchObject({ skipped: 3, error: 1, created: 0 });
    expect(await countIn(5)).toBe(0);
    const [audit] = await db().select().from(auditLogs).where(eq(auditLogs.requestId, body.error.requestId));
    expect(audit).toMatchObject({ action: "machine.import", result: "failure", statusCode: 422 });
    expect(audit!.changes).toMatchObject({ applied: false, summary: { error: 1, skipped: 3 } });

    // the same file as a dry run is a report, not a failure
    const dry = await importAs({ text }, "?dryRun=true");
    expect(dry.status).toBe(200);
    expect(dry.body).toMatchObject({ dryRun: true, applied: false, summary: { error: 1, skipped: 3 } });
  });

  it("a refused all-or-nothing import reports every row's errors, however many, unclipped", async () => {
    // 300 bad rows: far beyond what an error's `details` may echo (20 items, 6 KiB)
    const bad = Array.from({ length: 300 }, (_, i) => `bad-${i},not-an-ip-${i},root,0,1,1,,,,`);
    const text = [HEADER, csvRow(12, 1), ...bad].join("\n");
    const { status, body } = await importAs({ text });
    expect(status).toBe(422);
    expect(body.error.code).toBe("import_rejected");
    expect(body.report.summary).toMatchObject({ total: 301, error: 300, skipped: 1 });
    expect(body.report.results).toHaveLength(301);
    const errors = body.report.results.filter((r: { status: string }) => r.status === "error");
    expect(errors.map((r: { row: number }) => r.row)).toEqual(Array.from({ length: 300 }, (_, i) => i + 3));
    for (const row of errors) {
      expect(row.errors.map((e: { field: string }) => e.field)).toEqual(
        expect.arrayContaining(["ip", "sshPort"]),
      );
    }
    expect(await countIn(12)).toBe(0);
  });

  it("all-or-nothing rolls back every batch when the database fails half-way", async () => {
    // a rule only the database enforces, failing the 701st row: the second insert batch
    await db().execute(sql`
      create function ksp_test_refuse_host() returns trigger language plpgsql as $$
      begin
        if new.hostname = 'refused-by-db' then
          raise exception 'hostname refused' using errcode = 'check_violation', constraint = 'test_hostname_ck';
        end if;
        return new;
      end $$`);
    await db().execute(sql`create trigger ksp_test_refuse_host before insert on machines
      for each row execute function ksp_test_refuse_host()`);
    try {
      const lines = csvOf(6, 1000).split("\n");
      lines[701] = lines[701]!.replace(/^host-6-701/, "refused-by-db");
      const { status, body } = await importAs({ text: lines.join("\n") });
      expect(status).toBe(400);
      expect(body.error).toMatchObject({ code: "validation_failed", details: { sqlstate: "23514" } });
      expect(await countIn(6)).toBe(0);
      const ops = await db()
        .select()
        .from(operations)
        .where(sql`${operations.kind} = 'machine.import' and ${operations.metadata}->>'total' = '1000'`);
      expect(ops).toEqual([]);

      const best = await importAs({ text: lines.join("\n") }, "?mode=best-effort");
      expect(best.status).toBe(400);
      expect(await countIn(6)).toBe(0);
    } finally {
      await db().execute(sql`drop trigger ksp_test_refuse_host on machines`);
      await db().execute(sql`drop function ksp_test_refuse_host()`);
    }
  });

  it("an address taken between planning and writing: 409 and nothing written, or that row's error", async () => {
    // stands in for a concurrent writer: inserting the row's address just before the row itself
    await db().execute(sql`
      create function ksp_test_race() returns trigger language plpgsql as $$
      begin
        if new.hostname = 'raced' then
          insert into machines (hostname, ip) values ('winner', new.ip);
        end if;
        return new;
      end $$`);
    await db().execute(sql`create trigger ksp_test_race before insert on machines
      for each row execute function ksp_test_race()`);
    try {
      const text = [HEADER, csvRow(11, 1), `raced,${ipOf(11, 2)},root,22,8,1,,,,`, csvRow(11, 3)].join("\n");
      const strict = await importAs({ text });
      expect(strict.status).toBe(409);
      expect(strict.body.error).toMatchObject({ code: "conflict", details: { row: 3, retry: true } });
      expect(await countIn(11)).toBe(0);

      const best = await importAs({ text }, "?mode=best-effort");
      expect(best.status).toBe(200);
      expect(best.body.results.map((r: { status: string }) => r.status)).toEqual([
        "created",
        "error",
        "created",
      ]);
      expect(best.body.results[1].errors[0].message).toMatch(/taken by a concurrent change/);
      expect((await byIp(ipOf(11, 2)))!.hostname).toBe("winner");
      expect(await countIn(11)).toBe(3);
    } finally {
      await db().execute(sql`drop trigger ksp_test_race on machines`);
      await db().execute(sql`drop function ksp_test_race()`);
    }
  });

  it("best-effort writes the good rows and reports the bad ones", async () => {
    const text = [HEADER, csvRow(7, 1), "bad-row,999.1.1.1,,,,,,,,", csvRow(7, 3)].join("\n");
    const { body } = await importAs({ text }, "?mode=best-effort");
    expect(body.applied).toBe(true);
    expect(body.summary).toMatchObject({ total: 3, created: 2, error: 1 });
    expect(body.results[1]).toMatchObject({ row: 3, status: "error", errors: [{ field: "ip" }] });
    expect(await countIn(7)).toBe(2);
  });

  it("assigns created machines to a pool when they meet its requirements", async () => {
    const cluster = await seedCluster(db());
    const pool = await seedPool(db(), cluster.id, { hardwareRequirements: { minCpuCores: 32 } });
    const yaml = [
      "machines:",
      `  - { hostname: big, ip: "${ipOf(8, 1)}", cpuCores: 64 }`,
      `  - { hostname: small, ip: "${ipOf(8, 2)}", cpuCores: 4 }`,
    ].join("\n");
    const query = `?mode=best-effort&clusterId=${cluster.id}&poolId=${pool.id}`;
    const { status, body } = await importAs({ text: yaml, contentType: "application/yaml" }, query);
    expect(status).toBe(200);
    expect(body.results[0]).toMatchObject({ row: 1, status: "created" });
    expect(body.results[1]).toMatchObject({ row: 2, status: "error" });
    expect(body.results[1].errors[0].message).toMatch(/cpu: 4 cores, needs 32/);
    expect(await byIp(ipOf(8, 1))).toMatchObject({
      clusterId: cluster.id,
      poolId: pool.id,
      status: "available",
    });

    const audit = await db().select().from(auditLogs).where(eq(auditLogs.action, "machine.import"));
    const entry = audit.find((a) => (a.changes as { operationId?: string }).operationId === body.operationId);
    expect(entry).toMatchObject({ result: "success", clusterId: cluster.id, resourceType: "machine" });
    expect(entry!.changes).toMatchObject({ summary: { created: 1, error: 1 }, applied: true });
    expect(JSON.stringify(entry!.changes)).not.toContain("big");
  });

  it("refuses unknown media types (415), oversize bodies (413) and bad files (400)", async () => {
    const plain = await importAs({ text: "hostname,ip\n", contentType: "text/plain" });
    expect(plain.status).toBe(415);
    expect(plain.body.error.code).toBe("unsupported_media_type");

    const huge = await importAs({ text: `${HEADER}\n${"x".repeat(16 * 1024 * 1024)}` });
    expect(huge.status).toBe(413);
    expect(huge.body.error.code).toBe("payload_too_large");

    const bomb = `a: &a [x, x, x, x, x, x, x, x, x, x]\nb: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a, *a]\nc: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b, *b]\nmachines: *c\n`;
    const yamlBomb = await importAs({ text: bomb, contentType: "text/yaml" });
    expect(yamlBomb.status).toBe(400);
    expect(yamlBomb.body.error.message).toMatch(/alias/i);

    const unknownColumn = await importAs({ text: "hostname,ipaddress\nh,1.2.3.4\n" });
    expect(unknownColumn.status).toBe(400);
    expect(unknownColumn.body.error.details.unknownColumns).toEqual(["ipaddress"]);

    const typo = await importAs({ text: `${HEADER}\n${csvRow(9, 1)}` }, "?dry_run=true");
    expect(typo.status).toBe(400);
    expect(await countIn(9)).toBe(0);
  });

  it("needs the operator role; a scoped token imports only into its own cluster", async () => {
    const text = `${HEADER}\n${csvRow(10, 1)}`;
    const viewer = await importAs({ text }, "", await api.tokenFor("viewer"));
    expect(viewer.status).toBe(403);
    expect(viewer.body.error.code).toBe("forbidden");

    const cluster = await seedCluster(db());
    const pool = await seedPool(db(), cluster.id);
    const other = await seedCluster(db());
    const otherPool = await seedPool(db(), other.id);
    const scoped = await api.tokenFor("operator", cluster.id);
    expect((await importAs({ text }, "", scoped)).status).toBe(403);
    const foreign = await importAs({ text }, `?clusterId=${other.id}&poolId=${otherPool.id}`, scoped);
    expect(foreign.status).toBe(404);
    expect(await countIn(10)).toBe(0);
    const own = await importAs({ text }, `?clusterId=${cluster.id}&poolId=${pool.id}`, scoped);
    expect(own.status).toBe(200);
    expect(own.body.summary.created).toBe(1);
  });
});
