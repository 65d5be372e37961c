/**
 * GET /v1/events, /v1/events/export and /v1/operations/{id}: filters (cluster,
 * pool, machine, kind exact and prefix, status, time range), newest-first
 * keyset pagination across timestamp ties, cluster scoping, bad input, and
 * the streamed NDJSON export (content type, one valid JSON object per line,
 * the row limit, 100k rows).
 */
import { sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type NewOperation, operations } from "../../../../../../drizzle/schema/index.ts";
import { startTestApi, type TestApi } from "../../../../../support/api.ts";
import { seedCluster, seedMachine, seedPool } from "../../../../../support/fixtures.ts";
import { requirePostgres } from "../../../../../support/postgres.ts";
import { recordUsage } from "../../../../../support/usage.ts";

const ok = await requirePostgres();

type Event = { id: string; kind: string; status: string; clusterId: string | null; createdAt: string };
type Page = { items: Event[]; nextCursor: string | null };

const T0 = Date.UTC(2026, 2, 1, 12, 0, 0);
const at = (minutes: number) => new Date(T0 + minutes * 60_000);

describe.skipIf(!ok)("events API", () => {
  let api: TestApi;
  let clusterA: string;
  let clusterB: string;
  let poolA: string;
  let machineA: string;
  let viewerA: string;
  const seeded: { id: string; createdAt: Date; clusterId: string | null }[] = [];

  beforeAll(async () => {
    recordUsage("service", "postgres");
    api = await startTestApi();
    const db = api.database.db;
    clusterA = (await seedCluster(db)).id;
    clusterB = (await seedCluster(db)).id;
    poolA = (await seedPool(db, clusterA)).id;
    machineA = (await seedMachine(db, { clusterId: clusterA, poolId: poolA })).id;
    viewerA = await api.tokenFor("viewer", clusterA);
    const rows: NewOperation[] = [
      {
        kind: "machine.transition",
        clusterId: clusterA,
        poolId: poolA,
        machineId: machineA,
        createdAt: at(1),
      },
      {
        kind: "machine.transition",
        clusterId: clusterA,
        poolId: poolA,
        machineId: machineA,
        createdAt: at(2),
      },
      { kind: "machine.import", clusterId: null, createdAt: at(3) },
      { kind: "pool.scale_up", status: "running", clusterId: clusterA, poolId: poolA, createdAt: at(4) },
      { kind: "pool.scale_up", status: "failed", clusterId: clusterB, createdAt: at(5) },
      { kind: "cluster.offline", clusterId: clusterB, createdAt: at(6) },
      // three at the same instant: pagination must order them by id and never repeat or skip one
      { kind: "machine.transition", clusterId: clusterA, createdAt: at(7) },
      { kind: "machine.transition", clusterId: clusterA, createdAt: at(7) },
      { kind: "machine.transition", clusterId: clusterB, createdAt: at(7) },
      { kind: "machinery.other", clusterId: clusterA, createdAt: at(8) },
    ];
    const inserted = await db.insert(operations).values(rows).returning();
    for (const r of inserted) seeded.push({ id: r.id, createdAt: r.createdAt, clusterId: r.clusterId });
  });
  afterAll(() => api?.close());

  const list = async (query: string, token = api.admin): Promise<Page> => {
    const { status, body } = await api.json("GET", `/v1/events?${query}`, { token });
    expect(status, JSON.stringify(body)).toBe(200);
    return body as Page;
  };

  const expectedOrder = (filter: (r: (typeof seeded)[number]) => boolean) =>
    seeded
      .filter(filter)
      .sort((a, b) => b.createdAt.getTime() - a.createdAt.getTime() || (a.id < b.id ? 1 : -1))
      .map((r) => r.id);

  it("lists newest first, ties broken by id, and pages through without repeats", async () => {
    const all = await list("limit=500");
    expect(all.items.map((e) => e.id)).toEqual(expectedOrder(() => true));
    expect(all.nextCursor).toBeNull();

    const walked: string[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const page: Page = await list(`limit=2${cursor ? `&cursor=${cursor}` : ""}`);
      walked.push(...page.items.map((e) => e.id));
      cursor = page.nextCursor;
      pages++;
    } while (cursor && pages < 20);
    expect(walked).toEqual(expectedOrder(() => true));
    expect(pages).toBe(5);
  });

  it("filters by cluster, pool, machine, status and time range", async () => {
    const byCluster = await list(`clusterId=${clusterB}`);
    expect(byCluster.items).toHaveLength(3);
    expect(byCluster.items.every((e) => e.clusterId === clusterB)).toBe(true);
    expect((await list(`poolId=${poolA}`)).items).toHaveLength(3);
    expect((await list(`machineId=${machineA}`)).items).toHaveLength(2);
    expect((await list("status=failed")).items.map((e) => e.kind)).toEqual(["pool.scale_up"]);
    const window = await list(`since=${at(2).toISOString()}&until=${at(5).toISOString()}`);
    expect(window.items.map((e) => e.createdAt)).toEqual([at(4), at(3), at(2)].map((d) => d.toISOString()));
  });

  it("matches the kind exactly, or as a prefix when it ends with a dot", async () => {
    expect((await list("kind=machine.transition")).items).toHaveLength(5);
    const prefixed = await list("kind=machine.");
    expect(prefixed.items).toHaveLength(6);
    expect(prefixed.items.every((e) => e.kind.startsWith("machine."))).toBe(true);
    expect((await list("kind=machine.*")).items).toHaveLength(6);
    // "machine" alone is an exact name: it does not match "machinery.other"
    expect((await list("kind=machine")).items).toHaveLength(0);
    expect((await list("kind=pool.scale_%")).items).toHaveLength(0);
  });

  it("shows a cluster-scoped token only its cluster's events, and hides other clusters", async () => {
    const mine = await list("limit=500", viewerA);
    expect(mine.items.length).toBe(6);
    expect(mine.items.every((e) => e.clusterId === clusterA)).toBe(true);
    const other = await api.json("GET", `/v1/events?clusterId=${clusterB}`, { token: viewerA });
    expect(other.status).toBe(404);
    expect(other.body.error.code).toBe("not_found");
    const exported = await api.call("GET", `/v1/events/export?clusterId=${clusterB}`, { token: viewerA });
    expect(exported.status).toBe(404);
  });

  it("gets one operation by id, hidden from tokens scoped elsewhere", async () => {
    const target = seeded.find((r) => r.clusterId === clusterB)!;
    const got = await api.json("GET", `/v1/operations/${target.id}`, { token: api.admin });
    expect(got.status).toBe(200);
    expect(got.body).toMatchObject({ id: target.id, clusterId: clusterB });
    expect((await api.json("GET", `/v1/operations/${target.id}`, { token: viewerA })).status).toBe(404);
    const missing = await api.json("GET", `/v1/operations/${crypto.randomUUID()}`, { token: api.admin });
    expect(missing.status).toBe(404);
  });

  it("answers bad input with a 400 envelope and no bearer with 401", async () => {
    for (const query of [
      "since=yesterday",
      "until=2026-13-01T00:00:00Z",
      `clusterId=${"x".repeat(64)}`, // longer than any cluster name
      "status=exploded",
      `kind=${"k".repeat(101)}`,
      "limit=0",
      "limit=501",
      "cursor=%%%",
      "cursor=eyJhdCI6IjIwMjYifQ",
    ]) {
      const res = await api.json("GET", `/v1/events?${query}`, { token: api.admin });
      expect(res.status, query).toBe(400);
      expect(res.body.error.code, query).toBe("validation_failed");
    }
    const export400 = await api.json("GET", "/v1/events/export?limit=1000001", { token: api.admin });
    expect(export400.status).toBe(400);
    expect((await api.call("GET", "/v1/events")).status).toBe(401);
  });

  const readLines = async (res: Response) => {
    const text = await res.text();
    expect(text.endsWith("\n") || text === "").toBe(true);
    return text.split("\n").filter((l) => l.length > 0);
  };

  it("exports NDJSON with the same filters and order, and honours the row limit", async () => {
    const res = await api.call("GET", `/v1/events/export?clusterId=${clusterA}`, { token: api.admin });
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toBe("application/x-ndjson");
    const lines = await readLines(res);
    const parsed = lines.map((l) => JSON.parse(l) as Event);
    expect(parsed.map((e) => e.id)).toEqual(expectedOrder((r) => r.clusterId === clusterA));

    const limited = await readLines(await api.call("GET", "/v1/events/export?limit=3", { token: api.admin }));
    expect(limited.map((l) => (JSON.parse(l) as Event).id)).toEqual(expectedOrder(() => true).slice(0, 3));
    const none = await api.call("GET", "/v1/events/export?kind=nothing.", { token: api.admin });
    expect(none.status).toBe(200);
    expect(await none.text()).toBe("");
  });
});

// The bulk rows are newer than every row above and would change what those
// tests count and order, so the 100k export gets a database of its own.
describe.skipIf(!ok)("events export at volume", () => {
  let api: TestApi;
  beforeAll(async () => {
    recordUsage("service", "postgres");
    api = await startTestApi();
  });
  afterAll(() => api?.close());

  it("streams 100,000 rows in batches: every line valid JSON, newest first", async () => {
    const db = api.database.db;
    const cluster = (await seedCluster(db)).id;
    await db.execute(sql`
      insert into operations (kind, cluster_id, created_at, metadata)
      select 'bulk.export', ${cluster}::uuid,
             ${new Date(T0 + 86_400_000).toISOString()}::timestamptz - (g * interval '1 millisecond'),
             jsonb_build_object('n', g)
      from generate_series(1, 100000) g`);
    const started = performance.now();
    const res = await api.call("GET", "/v1/events/export?kind=bulk.&limit=1000000", { token: api.admin });
    expect(res.status).toBe(200);
    const reader = res.body!.getReader();
    const decoder = new TextDecoder();
    let carry = "";
    let count = 0;
    let chunks = 0;
    let previous = Number.POSITIVE_INFINITY;
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      chunks++;
      const parts = (carry + decoder.decode(value, { stream: true })).split("\n");
      carry = parts.pop() ?? "";
      for (const line of parts) {
        const event = JSON.parse(line) as Event & { metadata: { n: number } };
        expect(event.kind).toBe("bulk.export");
        const t = Date.parse(event.createdAt);
        expect(t).toBeLessThanOrEqual(previous);
        previous = t;
        count++;
      }
    }
    expect(carry).toBe("");
    expect(count).toBe(100_000);
    // one chunk per batch of 1000 rows: the export never held the whole result
    expect(chunks).toBe(100);
    console.log(`[events] exported 100000 rows in ${Math.round(performance.now() - started)} ms`);
  });
});
