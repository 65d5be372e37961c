/**
 * GET /v1/machines: every filter on its own and combined, label selectors
 * through SQL, free text with literal wildcards, complete and stable keyset
 * pagination, and what a cluster-scoped token sees.
 */
import { inArray } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Machine, machines } from "../../../../../../drizzle/schema/index.ts";
import { startTestApi, type TestApi } from "../../../../../support/api.ts";
import { seedCluster, seedMachine, seedMachines, seedPool } from "../../../../../support/fixtures.ts";
import { requirePostgres } from "../../../../../support/postgres.ts";

const ok = await requirePostgres();

describe.skipIf(!ok)("listing machines", () => {
  let api: TestApi;
  let clusterA: string;
  let clusterB: string;
  let poolA1: string;
  let poolA2: string;
  const ids: Record<string, string> = {};

  beforeAll(async () => {
    api = await startTestApi();
    const db = api.database.db;
    clusterA = (await seedCluster(db)).id;
    clusterB = (await seedCluster(db)).id;
    poolA1 = (await seedPool(db, clusterA)).id;
    poolA2 = (await seedPool(db, clusterA)).id;
    const poolB = (await seedPool(db, clusterB)).id;
    const add = async (name: string, values: Parameters<typeof seedMachine>[1]) => {
      ids[name] = (await seedMachine(db, { hostname: name, ...values })).id;
    };
    await add("a1-ready", {
      clusterId: clusterA,
      poolId: poolA1,
      status: "ready",
      region: "eu",
      zone: "eu-1",
      nodeName: "worker-17",
      labels: { gpu: "a100", tier: "train" },
    });
    await add("a1-avail", {
      clusterId: clusterA,
      poolId: poolA1,
      region: "eu",
      zone: "eu-2",
      labels: { gpu: "h100" },
    });
    await add("a2-fault", {
      clusterId: clusterA,
      poolId: poolA2,
      status: "fault",
      region: "us",
      zone: "us-1",
    });
    await add("b-ready", {
      clusterId: clusterB,
      poolId: poolB,
      status: "ready",
      region: "eu",
      zone: "eu-1",
      labels: { gpu: "a100" },
    });
    await add("free-eu", { region: "eu", zone: "eu-1", labels: { legacy: "yes" }, ip: "192.168.77.5" });
    await add("free_us%", { region: "us", zone: "us-1", status: "maintenance" });
  });
  afterAll(() => api?.close());

  const list = async (query: string, token = api.admin) => {
    const res = await api.json("GET", `/v1/machines?limit=500${query ? `&${query}` : ""}`, { token });
    return res;
  };
  const names = async (query: string, token = api.admin) => {
    const res = await list(query, token);
    expect(res.status).toBe(200);
    return (res.body.items as Machine[]).map((m) => m.hostname).sort();
  };

  it("lists every machine, oldest first", async () => {
    const res = await list("");
    expect(res.body.items.map((m: Machine) => m.hostname)).toEqual([
      "a1-ready",
      "a1-avail",
      "a2-fault",
      "b-ready",
      "free-eu",
      "free_us%",
    ]);
    expect(res.body.nextCursor).toBeNull();
  });

  it("filters by cluster, pool, region and zone", async () => {
    expect(await names(`clusterId=${clusterA}`)).toEqual(["a1-avail", "a1-ready", "a2-fault"]);
    expect(await names(`poolId=${poolA2}`)).toEqual(["a2-fault"]);
    expect(await names("region=us")).toEqual(["a2-fault", "free_us%"]);
    expect(await names("zone=eu-1")).toEqual(["a1-ready", "b-ready", "free-eu"]);
  });

  it("filters by status: one, a comma list, or repeated", async () => {
    expect(await names("status=ready")).toEqual(["a1-ready", "b-ready"]);
    expect(await names("status=ready,fault")).toEqual(["a1-ready", "a2-fault", "b-ready"]);
    expect(await names("status=fault&status=maintenance")).toEqual(["a2-fault", "free_us%"]);
    const bad = await list("status=ready,bogus");
    expect(bad.status).toBe(400);
    expect(bad.body.error).toMatchObject({ code: "validation_failed", details: { unknown: ["bogus"] } });
  });

  it("filters the free inventory in or out", async () => {
    expect(await names("unassigned=true")).toEqual(["free-eu", "free_us%"]);
    expect(await names("unassigned=false")).toEqual(["a1-avail", "a1-ready", "a2-fault", "b-ready"]);
  });

  it("filters by label selector, with Kubernetes semantics for negations", async () => {
    const selector = (s: string) => names(`labelSelector=${encodeURIComponent(s)}`);
    expect(await selector("gpu=a100")).toEqual(["a1-ready", "b-ready"]);
    expect(await selector("gpu==a100,tier=train")).toEqual(["a1-ready"]);
    expect(await selector("gpu in (a100, h100)")).toEqual(["a1-avail", "a1-ready", "b-ready"]);
    expect(await selector("gpu")).toEqual(["a1-avail", "a1-ready", "b-ready"]);
    expect(await selector("!gpu")).toEqual(["a2-fault", "free-eu", "free_us%"]);
    // != and notin also match machines without the key
    expect(await selector("gpu!=a100")).toEqual(["a1-avail", "a2-fault", "free-eu", "free_us%"]);
    expect(await selector("gpu notin (a100,h100),!legacy")).toEqual(["a2-fault", "free_us%"]);
    const bad = await list(`labelSelector=${encodeURIComponent("gpu in ()")}`);
    expect(bad.status).toBe(400);
    expect(bad.body.error.code).toBe("validation_failed");
  });

  it("searches hostname, IP and node name case-insensitively, wildcards taken literally", async () => {
    expect(await names("q=A1-")).toEqual(["a1-avail", "a1-ready"]);
    expect(await names("q=168.77")).toEqual(["free-eu"]);
    expect(await names("q=WORKER-1")).toEqual(["a1-ready"]);
    expect(await names(`q=${encodeURIComponent("_us%")}`)).toEqual(["free_us%"]);
    expect(await names(`q=${encodeURIComponent("%")}`)).toEqual(["free_us%"]);
    expect(await names("q=free_")).toEqual(["free_us%"]);
  });

  it("combines filters", async () => {
    expect(await names(`clusterId=${clusterA}&region=eu&status=ready,available`)).toEqual([
      "a1-avail",
      "a1-ready",
    ]);
    expect(await names(`region=eu&labelSelector=gpu%3Da100&q=ready`)).toEqual(["a1-ready", "b-ready"]);
    expect(await names(`unassigned=true&region=eu`)).toEqual(["free-eu"]);
    expect(await names(`poolId=${poolA1}&zone=eu-2`)).toEqual(["a1-avail"]);
  });

  it("shows a cluster-scoped token only its cluster's machines, never the free inventory", async () => {
    const scoped = await api.tokenFor("viewer", clusterA);
    expect(await names("", scoped)).toEqual(["a1-avail", "a1-ready", "a2-fault"]);
    expect(await names("unassigned=true", scoped)).toEqual([]);
    // another cluster as a filter is refused like that cluster's path (404), as events and audit do
    const filtered = await api.json("GET", `/v1/machines?clusterId=${clusterB}`, { token: scoped });
    expect(filtered.status).toBe(404);
    expect(filtered.body.error.code).toBe("not_found");
    const other = await api.json("GET", `/v1/machines/${ids["b-ready"]}`, { token: scoped });
    expect(other.status).toBe(404);
    const free = await api.json("GET", `/v1/machines/${ids["free-eu"]}`, { token: scoped });
    expect(free.status).toBe(404);
    const own = await api.json("GET", `/v1/machines/${ids["a1-ready"]}`, { token: scoped });
    expect(own.status).toBe(200);
  });

  it.each([
    // a short string is a cluster name now (an unknown one is a 404); longer than a name can be is malformed
    ["a bad cluster id", `clusterId=${"x".repeat(64)}`],
    ["a bad cursor", "cursor=garbage"],
    ["a forged cursor", `cursor=${Buffer.from(JSON.stringify({ at: "x", id: "y" })).toString("base64url")}`],
    ["a limit over the maximum", "limit=501"],
    ["a bad unassigned flag", "unassigned=yes"],
    ["a control character in q", "q=%00"],
    ["an overlong label selector", `labelSelector=${"a".repeat(1025)}`],
  ])("refuses %s with a 400 envelope", async (_what, query) => {
    const res = await api.json("GET", `/v1/machines?${query}`, { token: api.admin });
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe("validation_failed");
  });
});

describe.skipIf(!ok)("paginating machines", () => {
  let api: TestApi;
  let expected: string[];
  beforeAll(async () => {
    api = await startTestApi();
    // one insert: the rows share created_at, so only the id orders them
    const sameInstant = await seedMachines(api.database.db, 120, {
      createdAt: new Date("2020-01-01T00:00:00Z"),
    });
    const later = await seedMachines(api.database.db, 83, { region: "page" });
    expected = [...sameInstant.map((m) => m.id).sort(), ...later.map((m) => m.id).sort()];
  });
  afterAll(() => api?.close());

  async function walk(limit: number, query = "", onPage?: () => Promise<void>): Promise<string[]> {
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const after: string = cursor ? `&cursor=${cursor}` : "";
      const res = await api.json("GET", `/v1/machines?limit=${limit}${query}${after}`, { token: api.admin });
      expect(res.status).toBe(200);
      expect(res.body.items.length).toBeLessThanOrEqual(limit);
      seen.push(...res.body.items.map((m: Machine) => m.id));
      cursor = res.body.nextCursor;
      await onPage?.();
    } while (cursor);
    return seen;
  }

  it("returns every machine exactly once, in a stable order, whatever the page size", async () => {
    for (const limit of [1, 7, 50, 120, 500]) {
      const seen = await walk(limit);
      expect(seen).toEqual(expected.filter((id) => seen.includes(id)));
      expect(seen).toHaveLength(expected.length);
    }
    expect(await walk(10)).toEqual(await walk(33));
  });

  it("neither repeats nor skips existing rows when machines are added while paging", async () => {
    const added: string[] = [];
    try {
      const seen = await walk(25, "", async () => {
        added.push(...(await seedMachines(api.database.db, 3)).map((m) => m.id));
      });
      expect(new Set(seen).size).toBe(seen.length);
      expect(seen.slice(0, expected.length)).toEqual(expected);
    } finally {
      // the other tests count the seeded machines exactly: leave the table as beforeAll made it
      if (added.length > 0) await api.database.db.delete(machines).where(inArray(machines.id, added));
    }
  });

  it("paginates a filtered list the same way", async () => {
    const seen = await walk(10, "&region=page");
    expect(seen).toEqual(expected.slice(120));
  });
});
