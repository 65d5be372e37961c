/**
 * Acceptance: read /openapi.json and send malformed input to EVERY route —
 * wrong types, missing fields, huge strings, bad UUIDs, bad enum values,
 * unknown fields, broken JSON — and record zero 5xx responses. Every 4xx must
 * be the error envelope. New routes are covered as soon as they are in the
 * OpenAPI document.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Keyring } from "../../../../../functions/lib/crypto/keyring.ts";
import { startTestApi, type TestApi } from "../../../../support/api.ts";
import { seedCluster, seedMachines, seedPool } from "../../../../support/fixtures.ts";
import { requirePostgres } from "../../../../support/postgres.ts";
import { testKey } from "../../../../support/sealed-values.ts";

const ok = await requirePostgres();

type Schema = {
  type?: string | string[];
  properties?: Record<string, Schema>;
  required?: string[];
  enum?: unknown[];
  items?: Schema;
  $ref?: string;
  anyOf?: Schema[];
  oneOf?: Schema[];
};
interface Operation {
  parameters?: { name: string; in: string; schema?: Schema }[];
  requestBody?: { content?: Record<string, { schema?: Schema }> };
}
type Doc = {
  paths: Record<string, Record<string, Operation>>;
  components?: { schemas?: Record<string, Schema> };
};

const HUGE = "x".repeat(100_000);
const BAD_IDS = ["not-a-uuid", "00000000-0000-0000-0000-00000000000g", "x".repeat(5_000), "%00", "1 OR 1=1"];
const WRONG_VALUES: unknown[] = [HUGE, -1, 1e308, true, null, [], {}, "💥", "nul\u0000byte"];

interface Probe {
  method: string;
  path: string;
  what: string;
  body?: string;
  contentType?: string;
}

function resolve(doc: Doc, schema: Schema | undefined): Schema | undefined {
  if (schema?.$ref) return doc.components?.schemas?.[schema.$ref.split("/").pop() ?? ""];
  return schema;
}

/** A body mutation per property: each wrong value, plus a bad enum, plus the property missing. */
function bodyProbes(doc: Doc, schema: Schema | undefined): { what: string; body: unknown }[] {
  const s = resolve(doc, schema);
  const probes: { what: string; body: unknown }[] = [
    { what: "empty object", body: {} },
    { what: "array instead of object", body: [1, 2] },
    { what: "null body", body: null },
    { what: "string body", body: HUGE },
    { what: "unknown field", body: { __unknown__: 1 } },
    { what: "deep nesting", body: JSON.parse(`${"[".repeat(2000)}${"]".repeat(2000)}`) },
  ];
  for (const [name, prop] of Object.entries(s?.properties ?? {})) {
    for (const value of WRONG_VALUES)
      probes.push({ what: `${name}=${JSON.stringify(value)?.slice(0, 20)}`, body: { [name]: value } });
    const p = resolve(doc, prop);
    if (p?.enum) probes.push({ what: `${name} bad enum`, body: { [name]: "not-an-enum-value" } });
    if (p?.type === "array")
      probes.push({ what: `${name} huge array`, body: { [name]: Array(20_000).fill("a") } });
  }
  return probes;
}

describe.skipIf(!ok)("bad input to every route in /openapi.json", () => {
  let api: TestApi;
  let agentCredential: string;
  const ids: Record<string, string> = {};

  beforeAll(async () => {
    // configured as a production install is, so routes that store secrets get past "no key" (503)
    api = await startTestApi({ encryption: new Keyring([testKey("k1")]) });
    const db = api.database.db;
    const cluster = await seedCluster(db);
    const pool = await seedPool(db, cluster.id);
    const [machine] = await seedMachines(db, 1, { clusterId: cluster.id, poolId: pool.id });
    // an in-use machine keeps the cluster and pool from being deleted by the DELETE probes
    await seedMachines(db, 1, { clusterId: cluster.id, poolId: pool.id, status: "ready" });
    Object.assign(ids, { clusterId: cluster.id, poolId: pool.id, machineId: machine!.id });
    agentCredential = await api.agentCredentialFor(cluster.id);
  });
  afterAll(() => api?.close());

  it("never answers 5xx, and every 4xx is the error envelope", async () => {
    const doc = (await (await api.call("GET", "/openapi.json")).json()) as Doc;
    const probes: Probe[] = [];
    const methods = ["get", "post", "put", "patch", "delete"];
    // deletions last, so they do not remove the resources the other probes aim at
    const order = (m: string) => (m === "delete" ? 1 : 0);
    for (const [template, operations] of Object.entries(doc.paths)) {
      for (const method of Object.keys(operations)
        .filter((m) => methods.includes(m))
        .sort((a, b) => order(a) - order(b))) {
        const op = operations[method]!;
        const M = method.toUpperCase();
        const params = op.parameters ?? [];
        const fill = (override?: Record<string, string>) =>
          template.replace(/\{(\w+)\}/g, (_, name: string) =>
            encodeURIComponent(override?.[name] ?? ids[name] ?? crypto.randomUUID()),
          );
        for (const p of params.filter((x) => x.in === "path")) {
          for (const bad of BAD_IDS)
            probes.push({
              method: M,
              path: fill({ [p.name]: bad }),
              what: `path ${p.name}=${bad.slice(0, 20)}`,
            });
          probes.push({
            method: M,
            path: fill({ [p.name]: crypto.randomUUID() }),
            what: `path ${p.name}=unknown uuid`,
          });
        }
        for (const p of params.filter((x) => x.in === "query")) {
          for (const bad of [
            "abc",
            "-1",
            "1e999",
            "",
            "x".repeat(10_000),
            "not-an-enum-value",
            "%",
            "a\u0000b",
          ]) {
            probes.push({
              method: M,
              path: `${fill()}?${p.name}=${encodeURIComponent(bad)}`,
              what: `query ${p.name}=${bad.slice(0, 20)}`,
            });
          }
        }
        const json = op.requestBody?.content?.["application/json"];
        if (op.requestBody) {
          probes.push({
            method: M,
            path: fill(),
            what: "broken JSON",
            body: '{"oops',
            contentType: "application/json",
          });
          probes.push({
            method: M,
            path: fill(),
            what: "wrong content type",
            body: "a=b",
            contentType: "application/x-www-form-urlencoded",
          });
          for (const b of bodyProbes(doc, json?.schema)) {
            probes.push({
              method: M,
              path: fill(),
              what: `body ${b.what}`,
              body: JSON.stringify(b.body),
              contentType: "application/json",
            });
          }
        } else if (M !== "GET" && M !== "DELETE") {
          probes.push({
            method: M,
            path: fill(),
            what: "unexpected body",
            body: '{"x":1}',
            contentType: "application/json",
          });
        }
      }
    }

    const failures: string[] = [];
    for (const probe of probes) {
      const agentRoute = probe.path.startsWith("/v1/agent");
      const res = await api.call(probe.method, probe.path, {
        token: agentRoute ? agentCredential : api.admin,
        ...(probe.body !== undefined ? { text: probe.body, contentType: probe.contentType } : {}),
      });
      const text = await res.text();
      if (res.status >= 500)
        failures.push(
          `${res.status} ${probe.method} ${probe.path.slice(0, 80)} (${probe.what}): ${text.slice(0, 200)}`,
        );
      else if (res.status >= 400) {
        const body = text
          ? (JSON.parse(text) as { error?: { code?: string; message?: string; requestId?: string } })
          : {};
        if (!body.error?.code || !body.error.message || !body.error.requestId) {
          failures.push(
            `${res.status} without envelope: ${probe.method} ${probe.path.slice(0, 80)} (${probe.what})`,
          );
        }
      }
    }
    console.log(
      `[bad-input] ${probes.length} malformed requests over ${Object.keys(doc.paths).length} paths; ${failures.length} failures`,
    );
    expect(probes.length).toBeGreaterThan(50);
    expect(failures).toEqual([]);
  }, 300_000);
});
