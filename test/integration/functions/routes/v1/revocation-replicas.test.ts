/**
 * Two control-plane replicas on one Postgres database and no Upstash: two
 * Node composition roots (each its own pg pool and in-process coordination
 * store), as two `npm start` processes behind a load balancer would be. A
 * credential rotated, a cluster deleted or an API token revoked through
 * replica A must be refused by replica B within a second, even when B has
 * just accepted it (and so would have it cached); a state change made
 * through A must not be answered "not modified" by B.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { composeNode, type NodeRuntime } from "../../../../../functions/composition/node.ts";
import { parseNodeEnv } from "../../../../../functions/env.ts";
import { generateToken } from "../../../../../functions/lib/tokens.ts";
import { createTestDatabase, requirePostgres, type TestDatabase } from "../../../../support/postgres.ts";

const ok = await requirePostgres();
/** The bound the README promises for a replica that did not make the change. */
const PROPAGATION_MS = 1_000;

describe.skipIf(!ok)("revocation across replicas without a shared coordination store", () => {
  let testDatabase: TestDatabase;
  let a: NodeRuntime;
  let b: NodeRuntime;
  const admin = generateToken("api");

  async function replica(): Promise<NodeRuntime> {
    const env = parseNodeEnv({
      DATABASE_URL: testDatabase.url,
      KSP_ADMIN_TOKEN: admin,
      LOG_LEVEL: "error",
      KSP_RATE_LIMIT_PER_MINUTE: "100000",
    });
    if (!env.ok) throw new Error(env.problems.join("; "));
    expect(env.settings.upstash).toBeUndefined();
    return composeNode(env.settings);
  }

  beforeAll(async () => {
    testDatabase = await createTestDatabase();
    a = await replica();
    b = await replica();
    // no Upstash: each replica's store is its own memory, which the other cannot reach
    expect(a.deps.coordination.sharedAcrossReplicas).toBe(false);
  });
  afterAll(async () => {
    await a?.close();
    await b?.close();
    await testDatabase?.drop();
  });

  const call = async (
    on: NodeRuntime,
    method: string,
    path: string,
    token: string | undefined,
    body?: unknown,
  ) => {
    const headers: Record<string, string> = {};
    if (token) headers.authorization = `Bearer ${token}`;
    if (body !== undefined) headers["content-type"] = "application/json";
    const res = await on.app.request(path, {
      method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    return { status: res.status, body: text ? JSON.parse(text) : undefined };
  };

  /** Resolves with how long it took until `on` refused `token`; fails past PROPAGATION_MS. */
  async function refusedWithin(on: NodeRuntime, path: string, token: string): Promise<number> {
    const started = Date.now();
    for (;;) {
      const { status } = await call(on, "GET", path, token);
      const elapsed = Date.now() - started;
      if (status === 401) return elapsed;
      if (elapsed > PROPAGATION_MS) {
        // anything but 401 (a 200, or a 404 for a deleted cluster) means it still authenticated
        throw new Error(
          `the other replica still authenticates it ${elapsed} ms after the change (${status})`,
        );
      }
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }

  let clusterSeq = 0;
  async function registeredAgent() {
    const created = await call(a, "POST", "/v1/clusters", admin, { name: `replicas-${++clusterSeq}` });
    expect(created.status).toBe(201);
    const registered = await call(a, "POST", "/v1/agent/register", undefined, {
      registrationToken: created.body.registrationToken,
      agentVersion: "0.1.0",
      kubernetesVersion: "v1.31.2",
    });
    expect(registered.status).toBe(201);
    return { clusterId: created.body.cluster.id as string, credential: registered.body.credential as string };
  }

  it("an agent credential rotated through A is refused by B within a second; the new one works on B", async () => {
    const { credential } = await registeredAgent();
    // B accepts it twice: the second answer may come from whatever B keeps between requests
    expect((await call(b, "GET", "/v1/agent/state", credential)).status).toBe(200);
    expect((await call(b, "GET", "/v1/agent/state", credential)).status).toBe(200);

    const rotated = await call(a, "POST", "/v1/agent/credential/rotate", credential);
    expect(rotated.status).toBe(201);

    await refusedWithin(b, "/v1/agent/state", credential);
    expect((await call(a, "GET", "/v1/agent/state", credential)).status).toBe(401);
    expect((await call(b, "GET", "/v1/agent/state", rotated.body.credential)).status).toBe(200);
  });

  it("an agent credential rotated through B after A cached it is refused by A (either direction)", async () => {
    const { credential } = await registeredAgent();
    expect((await call(a, "GET", "/v1/agent/state", credential)).status).toBe(200);
    expect((await call(b, "GET", "/v1/agent/state", credential)).status).toBe(200);
    const rotated = await call(b, "POST", "/v1/agent/credential/rotate", credential);
    expect(rotated.status).toBe(201);
    await refusedWithin(a, "/v1/agent/state", credential);
  });

  it("the credential of a cluster deleted through A is refused by B within a second", async () => {
    const { clusterId, credential } = await registeredAgent();
    expect((await call(b, "GET", "/v1/agent/state", credential)).status).toBe(200);
    expect((await call(a, "DELETE", `/v1/clusters/${clusterId}`, admin)).status).toBe(200);
    await refusedWithin(b, "/v1/agent/state", credential);
  });

  it("a state change made through A is news to an agent polling B at once (no stale 304)", async () => {
    const { clusterId, credential } = await registeredAgent();
    const first = await call(b, "GET", "/v1/agent/state", credential);
    expect(first.status).toBe(200);
    const poll = async (etag?: string) =>
      await b.app.request("/v1/agent/state", {
        headers: { authorization: `Bearer ${credential}`, ...(etag ? { "if-none-match": etag } : {}) },
      });
    const etag = (await poll()).headers.get("etag")!;
    const idle = await poll(etag);
    expect(idle.status).toBe(304);
    // a pool created through A bumps the cluster's state version
    expect((await call(a, "POST", `/v1/clusters/${clusterId}/pools`, admin, { name: "news" })).status).toBe(
      201,
    );
    const polled = await poll(etag);
    expect(polled.status).toBe(200);
    expect(((await polled.json()) as { pools: { name: string }[] }).pools.map((p) => p.name)).toContain(
      "news",
    );
  });

  it("an API token revoked through A is refused by B within a second", async () => {
    const created = await call(a, "POST", "/v1/tokens", admin, { name: "replicas", role: "viewer" });
    expect(created.status).toBe(201);
    const token = created.body.token as string;
    expect((await call(b, "GET", "/v1/clusters", token)).status).toBe(200);
    expect((await call(b, "GET", "/v1/clusters", token)).status).toBe(200);

    expect((await call(a, "DELETE", `/v1/tokens/${created.body.apiToken.id}`, admin)).status).toBe(200);
    await refusedWithin(b, "/v1/clusters", token);
  });
});
