/**
 * Acceptance (issue 16): an imported kubeconfig's credentials (token, client
 * key, password, and the base64 of each) appear in no route response, no log
 * line and no error message, and nowhere in the database in plain text. The
 * control plane runs as `npm start` runs it (test/support/node-server.ts) on
 * Postgres, with debug logging and the scheduler ticking every second, so its
 * real stdout and stderr are what is searched; the database is dumped row by
 * row as text, every table.
 */
import { randomBytes } from "node:crypto";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { generateToken } from "../../../functions/lib/tokens.ts";
import { closedPort } from "../../support/closed-port.ts";
import {
  b64,
  basicKubeconfig,
  clientCertKubeconfig,
  kubeconfigYaml,
  secretSpellings,
  tokenKubeconfig,
  uniqueToken,
} from "../../support/kubeconfig-fixtures.ts";
import { killNodeServers, type NodeServerProcess, spawnNodeServer } from "../../support/node-server.ts";
import { createTestDatabase, requirePostgres, type TestDatabase } from "../../support/postgres.ts";

const ok = await requirePostgres();
const HEALTHZ_BUDGET_MS = 90_000;

describe.skipIf(!ok)("kubeconfig credentials never leave the vault", { timeout: 180_000 }, () => {
  let database: TestDatabase;
  let server: NodeServerProcess;
  const admin = generateToken("api");
  const seen: string[] = [];

  const call = async (method: string, path: string, body?: unknown) => {
    const res = await fetch(`${server.url}${path}`, {
      method,
      headers: {
        authorization: `Bearer ${admin}`,
        ...(body !== undefined ? { "content-type": "application/json" } : {}),
      },
      ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
    });
    const text = await res.text();
    seen.push(`${method} ${path} ${res.status} ${JSON.stringify([...res.headers])} ${text}`);
    // exports are NDJSON: only a JSON answer is parsed
    const json = res.headers.get("content-type")?.startsWith("application/json") && text;
    return { status: res.status, body: json ? JSON.parse(text) : undefined };
  };

  beforeAll(async () => {
    database = await createTestDatabase({ migrated: false });
    server = await spawnNodeServer({
      DATABASE_URL: database.url,
      KSP_ADMIN_TOKEN: admin,
      KSP_ENCRYPTION_KEYS: `k1:${randomBytes(32).toString("base64")}`,
      LOG_LEVEL: "debug",
      KSP_SCHEDULER_INTERVAL_SECONDS: "1",
    });
    const startedAt = Date.now();
    while (Date.now() - startedAt < HEALTHZ_BUDGET_MS) {
      try {
        if ((await fetch(`${server.url}/healthz`)).status === 200) return;
      } catch {
        // not listening yet
      }
      await new Promise((r) => setTimeout(r, 100));
    }
    throw new Error(`no /healthz\nstdout:\n${server.stdout()}\nstderr:\n${server.stderr()}`);
  });

  afterAll(async () => {
    await killNodeServers();
    await database?.drop();
  });

  it("is in no response, log line, error message or database row", async () => {
    // an API server nobody answers on, so any check of it fails fast (and may log why)
    const server1 = `https://127.0.0.1:${await closedPort()}`;
    const token = tokenKubeconfig({ server: server1 });
    const cert = clientCertKubeconfig({ server: server1 });
    const basic = basicKubeconfig({ server: server1 });
    const brokenToken = uniqueToken();
    const execToken = uniqueToken();
    const secrets = [token.token, cert.keyPem, basic.password, brokenToken, execToken].flatMap(
      secretSpellings,
    );

    const suffix = randomBytes(3).toString("hex");
    const kc = await call("POST", "/v1/clusters", {
      name: `kc-${suffix}`,
      mode: "kubeconfig",
      kubeconfig: b64(token.yaml),
    });
    expect(kc.status).toBe(201);
    const both = await call("POST", "/v1/clusters", { name: `both-${suffix}`, kubeconfig: cert.yaml });
    expect(both.status).toBe(201);
    const id = kc.body.cluster.id as string;

    expect((await call("GET", `/v1/clusters/${id}`)).status).toBe(200);
    expect((await call("GET", "/v1/clusters?access=kubeconfig")).status).toBe(200);
    expect((await call("GET", "/v1/clusters")).status).toBe(200);
    expect((await call("PUT", `/v1/clusters/${id}/kubeconfig`, { kubeconfig: basic.yaml })).status).toBe(200);
    expect((await call("PUT", `/v1/clusters/${id}/kubeconfig`, { kubeconfig: cert.yaml })).status).toBe(200);

    // refusals of kubeconfigs that hold a credential: broken YAML around it, an exec plugin beside it
    const broken = kubeconfigYaml({ user: { token: brokenToken } }).replace(
      `token: ${brokenToken}`,
      `token: ${brokenToken}\n  : [`,
    );
    // an unclosed quote: the YAML parser's own message would quote the token's line
    const unclosed = kubeconfigYaml({ user: { token: brokenToken } }).replace(
      `token: ${brokenToken}`,
      `token: "${brokenToken}`,
    );
    const exec = kubeconfigYaml({ user: { token: execToken, exec: { command: "aws" } } });
    for (const kubeconfig of [broken, b64(broken), unclosed, exec]) {
      expect((await call("PUT", `/v1/clusters/${id}/kubeconfig`, { kubeconfig })).status).toBe(400);
      const refused = await call("POST", "/v1/clusters", {
        name: `bad-${suffix}`,
        mode: "kubeconfig",
        kubeconfig,
      });
      expect(refused.status).toBe(400);
    }
    // a body the JSON parser refuses, holding a token
    const rawBroken = await fetch(`${server.url}/v1/clusters`, {
      method: "POST",
      headers: { authorization: `Bearer ${admin}`, "content-type": "application/json" },
      body: `{"name":"x","kubeconfig":"token: ${brokenToken}`,
    });
    seen.push(await rawBroken.text());
    expect(rawBroken.status).toBe(400);

    // let the scheduler tick (and any check of the kubeconfig clusters run and log) before reading
    await new Promise((r) => setTimeout(r, 2_500));
    expect((await call("GET", `/v1/clusters/${both.body.cluster.id}`)).status).toBe(200);
    expect((await call("GET", "/v1/audit?limit=200")).status).toBe(200);
    expect((await call("GET", "/v1/audit/export")).status).toBe(200);
    expect((await call("GET", "/v1/events?limit=200")).status).toBe(200);
    expect((await call("GET", "/v1/events/export")).status).toBe(200);
    expect((await call("DELETE", `/v1/clusters/${id}/kubeconfig`)).status).toBe(204);

    const responses = seen.join("\n");
    const logs = `${server.stdout()}\n${server.stderr()}`;
    // the searches can find: what was sent is in what was answered and logged where it is meant to be
    expect(responses).toContain(`kc-${suffix}`);
    expect(responses).toContain(server1);
    expect(logs).toContain("/v1/clusters");

    const client = new pg.Client({ connectionString: database.url });
    await client.connect();
    let dump: string;
    try {
      // every table, as a dump would have it (cluster_kubeconfigs, audit_logs, the event log, …)
      const listed = await client.query(
        "select table_name from information_schema.tables where table_schema = 'public' and table_type = 'BASE TABLE'",
      );
      const tables = listed.rows.map((r: { table_name: string }) => r.table_name);
      expect(tables).toEqual(expect.arrayContaining(["cluster_kubeconfigs", "audit_logs", "clusters"]));
      const rows = await Promise.all(tables.map((t) => client.query(`select t::text as row from "${t}" t`)));
      dump = rows.flatMap((r) => r.rows.map((row: { row: string }) => row.row)).join("\n");
      const sealed = await client.query("select count(*)::int as n from cluster_kubeconfigs");
      expect(sealed.rows[0].n).toBe(1);
    } finally {
      await client.end();
    }
    expect(dump).toContain("v1.k1.");

    for (const secret of secrets) {
      expect(responses.includes(secret), `a response holds ${secret.slice(0, 12)}…`).toBe(false);
      expect(logs.includes(secret), `a log line holds ${secret.slice(0, 12)}…`).toBe(false);
      expect(dump.includes(secret), `a database row holds ${secret.slice(0, 12)}…`).toBe(false);
    }
  });
});
