/**
 * The acceptance property of device queries: over random inventories and
 * random templates, deviceQuery (one SQL query compiled from the template)
 * returns exactly the machines, in exactly the order, that the brute-force
 * reference matcher (test/support/device-query-reference.ts) picks from the
 * same rows; `total` counts them, and walking the pages returns each once.
 * On Postgres (node-postgres) and on PGlite, each seed on a fresh database.
 *
 * The inventories mix missing fields, missing labels and taints, taints with
 * a repeated key or without a value, and strings full of LIKE and quoting
 * characters (% _ ' " \). A failure names the seed and the query; replay it
 * with DEVICE_QUERY_SEEDS=<seed>[,<seed>…].
 */
import { afterEach, describe, expect, it } from "vitest";
import type { Taint } from "../../../../../drizzle/schema/columns.ts";
import type { Machine, NewMachine } from "../../../../../drizzle/schema/index.ts";
import { deviceQuery } from "../../../../../functions/services/device-query/device-query.ts";
import {
  DEVICE_FIELD_KINDS,
  DEVICE_FIELDS,
  type Logic,
  operatorsFor,
  type QueryBlock,
  type QueryGroup,
  type QueryTemplateBody,
} from "../../../../../functions/services/device-query/template.ts";
import { createQueryTemplate } from "../../../../../functions/services/query-templates/create-query-template.ts";
import { MACHINE_STATES } from "../../../../../proto/machine-states.ts";
import { TEST_API_DRIVERS } from "../../../../support/api.ts";
import { openTestDatabaseOn, type TestDatabaseHandle } from "../../../../support/db-drivers.ts";
import { type ReferenceScope, referenceMatches } from "../../../../support/device-query-reference.ts";
import { seedCluster, seedMachine, seedPool, testContext } from "../../../../support/fixtures.ts";
import { requirePostgres } from "../../../../support/postgres.ts";

const postgres = await requirePostgres();

const MACHINES = 60;
const TEMPLATES = 150;
/** every PAGE_WALK_EVERY-th query also walks its pages with a small limit */
const PAGE_WALK_EVERY = 8;
/** every STORED_EVERY-th template is stored and queried by templateId */
const STORED_EVERY = 10;

const SEEDS = process.env.DEVICE_QUERY_SEEDS
  ? process.env.DEVICE_QUERY_SEEDS.split(",").map((s) => Number(s.trim()) >>> 0)
  : [1, 20260514, (Date.now() ^ (process.pid << 16)) >>> 0];

/** mulberry32: a small, seeded, well-mixed PRNG. */
function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

class Random {
  readonly next: () => number;
  constructor(seed: number) {
    this.next = mulberry32(seed);
  }
  int(lo: number, hi: number): number {
    return lo + Math.floor(this.next() * (hi - lo + 1));
  }
  chance(p: number): boolean {
    return this.next() < p;
  }
  pick<T>(items: readonly T[]): T {
    return items[Math.floor(this.next() * items.length)]!;
  }
  some<T>(items: readonly T[], lo: number, hi: number): T[] {
    return Array.from({ length: this.int(lo, hi) }, () => this.pick(items));
  }
}

/** Field values and compared values: wildcard and quoting characters, case, empty, non-ASCII. */
const STRINGS = [
  "a",
  "A",
  "ab",
  "abc",
  "b",
  "",
  " ",
  "%",
  "_",
  "a%",
  "%b",
  "a_c",
  "abc%",
  "x_y",
  "'",
  "''",
  "o'hara",
  '"',
  'say "hi"',
  "\\",
  "a\\b",
  "\\%",
  "50%_off",
  "é",
  "日本",
  "gpu",
  "GPU",
  "a100",
  "h100",
  "zone-1",
  "eu-west",
  "v1.30.2",
] as const;
/** Substrings for `contains`: the wildcards must be literal, the empty string is in everything. */
const NEEDLES = [
  "a",
  "b",
  "%",
  "_",
  "\\",
  "'",
  '"',
  "",
  "a%",
  "_c",
  "\\%",
  "%_",
  "日",
  "GPU",
  "1.3",
  "-",
  "ab",
];
const LABEL_KEYS = ["env", "tier", "example.com/team", "gpu", "kubernetes.io/arch"];
const TAINT_KEYS = ["dedicated", "gpu", "node.kubernetes.io/unschedulable", "example.com/maint"];
const EFFECTS: Taint["effect"][] = ["NoSchedule", "PreferNoSchedule", "NoExecute"];
const NUMBERS: Record<"cpuCores" | "memoryBytes" | "gpuCount", number[]> = {
  cpuCores: [0, 1, 2, 4, 8, 16, 64],
  memoryBytes: [0, 2 ** 30, 8 * 2 ** 30, 32 * 2 ** 30, 2 ** 40, 3 * 2 ** 40],
  gpuCount: [0, 0, 1, 2, 4, 8],
};
const OPTIONAL_STRING_FIELDS = [
  "gpuType",
  "region",
  "zone",
  "rack",
  "osImage",
  "kernelVersion",
  "kubeletVersion",
] as const;

interface Places {
  clusters: string[];
  pools: { clusterId: string; poolId: string }[];
}

/** One random machine row; `i` keeps its address unique. */
function randomMachine(rng: Random, i: number, places: Places, base: number): Partial<NewMachine> {
  const place = rng.int(0, 3);
  const pool = rng.pick(places.pools);
  const placement =
    place === 0
      ? { clusterId: null, poolId: null }
      : place === 1
        ? { clusterId: rng.pick(places.clusters), poolId: null }
        : pool;
  const ip = rng.chance(0.7)
    ? `10.${rng.int(0, 2)}.${i}.${rng.int(1, 254)}`
    : `fd00:${i.toString(16)}::${rng.int(1, 0xfff).toString(16)}`;
  const optional = Object.fromEntries(
    OPTIONAL_STRING_FIELDS.map((f) => [f, rng.chance(0.3) ? null : rng.pick(STRINGS)]),
  );
  const labels = Object.fromEntries(
    LABEL_KEYS.filter(() => rng.chance(0.45)).map((k) => [k, rng.pick(STRINGS)]),
  );
  const taints: Taint[] = Array.from({ length: rng.int(0, 3) }, () => {
    const taint: Taint = { key: rng.pick(TAINT_KEYS), effect: rng.pick(EFFECTS) };
    if (rng.chance(0.7)) taint.value = rng.pick(STRINGS);
    return taint;
  });
  return {
    ...placement,
    ...optional,
    hostname: rng.chance(0.5) ? `${rng.pick(STRINGS)}-${i}` : rng.pick(STRINGS),
    ip,
    status: rng.pick(MACHINE_STATES),
    cpuCores: rng.pick(NUMBERS.cpuCores),
    memoryBytes: rng.pick(NUMBERS.memoryBytes),
    gpuCount: rng.pick(NUMBERS.gpuCount),
    labels,
    taints,
    tags: rng.some(STRINGS, 0, 3),
    // whole seconds, few of them: ties on created_at that the id must break
    createdAt: new Date(base + rng.int(0, 12) * 1000),
  };
}

/** The same address in another accepted spelling, now and then. */
function respelled(rng: Random, ip: string): string {
  if (!rng.chance(0.3)) return ip;
  return ip.includes(":") ? ip.toUpperCase().replace("::", ":0::") : `::ffff:${ip}`;
}

function randomValue(rng: Random, block: Omit<QueryBlock, "value">, inventory: readonly Machine[]): unknown {
  const { type, key, operator } = block;
  const many = operator === "in" || operator === "notin";
  if (type === "device" && DEVICE_FIELD_KINDS[key as keyof typeof DEVICE_FIELD_KINDS] === "number") {
    if (operator === "exists" || operator === "notexists") return undefined;
    const one = () =>
      rng.chance(0.8)
        ? rng.pick(NUMBERS[key as keyof typeof NUMBERS])
        : rng.pick([-1, 0.5, 3, 7.5, 2 ** 33 + 0.25]);
    return many ? Array.from({ length: rng.int(1, 3) }, one) : one();
  }
  if (operator === "exists" || operator === "notexists") {
    return type === "taint" && rng.chance(0.5) ? rng.pick(STRINGS) : undefined;
  }
  if (operator === "contains") {
    if (type === "device" && key === "ip") return rng.pick(["10.", ".1", "fd00", ":", "::", "1", "0.2", "%"]);
    if (type === "device" && key === "status") return rng.pick(["a", "ready", "ai", "e", "%", ""]);
    if (type === "device" && key === "tags") return rng.pick(STRINGS);
    return rng.pick(NEEDLES);
  }
  let one: () => string = () => rng.pick(STRINGS);
  if (type === "device" && key === "status") one = () => rng.pick(MACHINE_STATES);
  if (type === "device" && key === "ip") {
    one = () =>
      rng.chance(0.8) ? respelled(rng, rng.pick(inventory).ip) : rng.pick(["192.0.2.1", "fd00::1"]);
  }
  return many ? Array.from({ length: rng.int(1, 3) }, one) : one();
}

function randomBlock(rng: Random, inventory: readonly Machine[]): QueryBlock {
  const roll = rng.next();
  const type = roll < 0.6 ? "device" : roll < 0.8 ? "nodeLabel" : "taint";
  const key =
    type === "device"
      ? rng.pick(DEVICE_FIELDS)
      : type === "nodeLabel"
        ? rng.pick([...LABEL_KEYS, "absent.example.com/key"])
        : rng.pick([...TAINT_KEYS, "absent.example.com/taint"]);
  const operator = rng.pick(operatorsFor(type, key));
  const value = randomValue(rng, { type, key, operator }, inventory);
  return value === undefined ? { type, key, operator } : { type, key, operator, value };
}

const LOGICS: readonly Logic[] = ["and", "or"];

function randomGroup(rng: Random, inventory: readonly Machine[]): QueryGroup {
  return {
    logic: rng.pick(LOGICS),
    blocks: Array.from({ length: rng.int(1, 4) }, () => randomBlock(rng, inventory)),
  };
}

function randomTemplate(rng: Random, inventory: readonly Machine[]): QueryTemplateBody {
  return {
    logic: rng.pick(LOGICS),
    groups: Array.from({ length: rng.chance(0.1) ? 0 : rng.int(1, 3) }, () => randomGroup(rng, inventory)),
  };
}

function randomScope(rng: Random, places: Places): ReferenceScope {
  const scope: ReferenceScope = { scopeClusterId: rng.chance(0.25) ? places.clusters[0]! : null };
  // a scoped caller naming another cluster is refused (device-query.test.ts), not compared here
  if (rng.chance(0.2)) scope.clusterId = scope.scopeClusterId ?? rng.pick(places.clusters);
  if (rng.chance(0.15)) scope.poolId = rng.pick(places.pools).poolId;
  if (rng.chance(0.3)) scope.unassigned = rng.chance(0.5);
  return scope;
}

describe.each(TEST_API_DRIVERS)("deviceQuery agrees with the reference matcher on %s", (driver) => {
  describe.skipIf(driver !== "pglite" && !postgres)(driver, () => {
    let handle: TestDatabaseHandle | undefined;
    afterEach(async () => {
      await handle?.teardown();
      handle = undefined;
    });

    for (const seed of SEEDS) {
      it(`seed ${seed}: ${TEMPLATES} random templates over ${MACHINES} random machines`, async () => {
        handle = await openTestDatabaseOn(driver);
        const db = handle.db;
        const ctx = testContext(db, { actor: "token:property" });
        const rng = new Random(seed);

        const clusterA = await seedCluster(db);
        const clusterB = await seedCluster(db);
        const places: Places = { clusters: [clusterA.id, clusterB.id], pools: [] };
        for (const cluster of [clusterA, clusterA, clusterB]) {
          const pool = await seedPool(db, cluster.id);
          places.pools.push({ clusterId: cluster.id, poolId: pool.id });
        }
        const base = Date.UTC(2026, 0, 1);
        const inventory: Machine[] = [];
        for (let i = 0; i < MACHINES; i++) {
          inventory.push(await seedMachine(db, randomMachine(rng, i, places, base)));
        }

        let compared = 0;
        let matched = 0;
        for (let k = 0; k < TEMPLATES; k++) {
          const template = randomTemplate(rng, inventory);
          const extra = rng.chance(0.5)
            ? []
            : Array.from({ length: rng.int(1, 2) }, () => randomGroup(rng, inventory));
          const scope = randomScope(rng, places);
          const expected = referenceMatches(inventory, template, extra, scope);
          const what = `seed ${seed}, query ${k}: ${JSON.stringify({ template, extra, scope })}`;

          const source =
            k % STORED_EVERY === 0
              ? {
                  templateId: (await createQueryTemplate({ ctx, input: { name: `t-${k}`, ...template } })).id,
                }
              : { template };
          const query = { ...source, extra, ...scope };
          const all = await deviceQuery({ ctx, input: { ...query, limit: 500 } });
          expect(
            all.items.map((m) => m.id),
            what,
          ).toEqual(expected);
          expect(all.total, what).toBe(expected.length);
          expect(all.nextCursor, what).toBeNull();

          if (k % PAGE_WALK_EVERY === 0) {
            const limit = rng.int(1, 7);
            const walked: string[] = [];
            let cursor: string | undefined;
            let pages = 0;
            do {
              const page = await deviceQuery({ ctx, input: { ...query, limit, cursor } });
              expect(page.total, `${what}, page ${pages}`).toBe(expected.length);
              expect(page.items.length, `${what}, page ${pages}`).toBeLessThanOrEqual(limit);
              walked.push(...page.items.map((m) => m.id));
              cursor = page.nextCursor ?? undefined;
              pages++;
            } while (cursor !== undefined && pages <= MACHINES + 1);
            expect(walked, `${what}, pages of ${limit}`).toEqual(expected);
            expect(pages, `${what}, pages of ${limit}`).toBe(Math.max(1, Math.ceil(expected.length / limit)));
          }
          compared++;
          if (expected.length > 0 && expected.length < inventory.length) matched++;
        }
        expect(compared).toBe(TEMPLATES);
        // the generator must produce discriminating queries, not only "all" or "none"
        expect(matched).toBeGreaterThan(TEMPLATES / 4);
      });
    }
  });
});
