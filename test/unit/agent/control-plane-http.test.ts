/**
 * The HTTP ControlPlane against a scripted fetch: bearer credential, ETag
 * round trip, retries only for what may be retried (same body, so the same
 * requestId), typed errors from the envelope, timeouts within the deadline.
 */
import { describe, expect, it } from "vitest";
import { ControlPlaneError } from "../../../agent/control-plane/errors.ts";
import { createHttpControlPlane } from "../../../agent/control-plane/http-control-plane.ts";
import { registerAgent } from "../../../agent/control-plane/register.ts";
import { fixturePool, fixtureState } from "../../support/agent/fixtures.ts";

interface Seen {
  url: string;
  method: string;
  headers: Record<string, string>;
  body: string | undefined;
}

type Reply = Response | Error | "hang";

function scriptedFetch(replies: Reply[]) {
  const seen: Seen[] = [];
  const scripted = (async (input: URL | string, init: RequestInit = {}): Promise<Response> => {
    seen.push({
      url: String(input),
      method: init.method ?? "GET",
      headers: Object.fromEntries(new Headers(init.headers).entries()),
      body: init.body as string | undefined,
    });
    const reply = replies.shift() ?? new Error("no scripted reply left");
    if (reply === "hang") {
      return new Promise<Response>((_, reject) => {
        init.signal?.addEventListener("abort", () => reject(init.signal!.reason));
      });
    }
    if (reply instanceof Error) throw reply;
    return reply;
  }) as typeof fetch;
  return { fetch: scripted, seen };
}

const json = (status: number, body: unknown, headers: Record<string, string> = {}) =>
  new Response(JSON.stringify(body), { status, headers: { "content-type": "application/json", ...headers } });
const envelope = (status: number, code: string, details?: Record<string, unknown>) =>
  json(status, {
    error: { code, message: `${code} happened`, requestId: "req-1", ...(details ? { details } : {}) },
  });
const refused = () => Object.assign(new TypeError("fetch failed"), { cause: { code: "ECONNREFUSED" } });

const CREDENTIAL = "ksp_agent_SECRETSECRETSECRET";
const allocation = (requestId: string) => ({
  allocationId: "a1",
  requestId,
  poolId: "p",
  delta: 1,
  created: true,
  createdAt: new Date().toISOString(),
  machines: [],
});

function client(replies: Reply[], over: Partial<Parameters<typeof createHttpControlPlane>[0]> = {}) {
  const scripted = scriptedFetch(replies);
  const cp = createHttpControlPlane({
    baseUrl: "http://cp.test/ksp/",
    credential: () => CREDENTIAL,
    fetch: scripted.fetch,
    timeoutMs: 200,
    backoffBaseMs: 1,
    backoffMaxMs: 5,
    ...over,
  });
  return { cp, seen: scripted.seen };
}

describe("HTTP control plane", () => {
  it("polls the state with the bearer credential and turns a matching ETag into notModified", async () => {
    const state = fixtureState({ pools: [fixturePool()] });
    const { cp, seen } = client([json(200, state, { etag: 'W/"c:1"' }), new Response(null, { status: 304 })]);
    const first = await cp.state(null);
    expect(first).toEqual({ notModified: false, state, etag: 'W/"c:1"' });
    expect(await cp.state('W/"c:1"')).toEqual({ notModified: true });
    expect(seen[0]).toMatchObject({ url: "http://cp.test/ksp/v1/agent/state", method: "GET" });
    expect(seen[0]!.headers.authorization).toBe(`Bearer ${CREDENTIAL}`);
    expect(seen[0]!.headers["if-none-match"]).toBeUndefined();
    expect(seen[1]!.headers["if-none-match"]).toBe('W/"c:1"');
  });

  it("retries an allocation after 503 and a refused connection with the same body", async () => {
    const { cp, seen } = client([
      envelope(503, "dependency_unavailable"),
      refused(),
      json(200, allocation("ca-1")),
    ]);
    const answer = await cp.allocate({ poolId: "p", delta: 1, requestId: "ca-1" });
    expect(answer.requestId).toBe("ca-1");
    expect(seen).toHaveLength(3);
    expect(new Set(seen.map((s) => s.body)).size).toBe(1);
  });

  it("posts snapshots as they are and parses the answer", async () => {
    const capturedAt = "2026-03-01T12:00:00.000Z";
    const { cp, seen } = client([json(201, { capturedAt, recorded: 0 })]);
    const request = { capturedAt, pools: [] };
    expect(await cp.snapshots(request)).toEqual({ capturedAt, recorded: 0 });
    expect(seen[0]).toMatchObject({ url: "http://cp.test/ksp/v1/agent/snapshots", method: "POST" });
    expect(JSON.parse(seen[0]!.body!)).toEqual(request);
  });

  it("does not retry a refusal and keeps its code and details", async () => {
    const { cp, seen } = client([envelope(409, "not_enough_machines", { requested: 3, available: 1 })]);
    const err = await cp.allocate({ poolId: "p", delta: 3, requestId: "r" }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ControlPlaneError);
    expect(err).toMatchObject({
      kind: "http",
      status: 409,
      code: "not_enough_machines",
      details: { requested: 3, available: 1 },
    });
    expect(seen).toHaveLength(1);
  });

  it("gives up after its attempts, as unreachable, without the credential in the message", async () => {
    const { cp, seen } = client([refused(), refused(), refused(), refused()], { attempts: 3 });
    const err = (await cp.transitions([]).catch((e: unknown) => e)) as ControlPlaneError;
    expect(err).toMatchObject({ kind: "unreachable", status: null });
    expect(err.message).toContain("ECONNREFUSED");
    expect(err.message).not.toContain(CREDENTIAL);
    expect(seen).toHaveLength(3);
  });

  it("times out each attempt and never runs past the deadline", async () => {
    const { cp, seen } = client(["hang", "hang", "hang", "hang"], { timeoutMs: 60, attempts: 10 });
    const started = Date.now();
    const err = await cp
      .heartbeat(
        {
          agentVersion: "1",
          kubernetesVersion: "v1",
          nodeCounts: { total: 0, ready: 0 },
          leader: { identity: "a", since: new Date().toISOString() },
        },
        { deadline: new Date(Date.now() + 150) },
      )
      .catch((e: unknown) => e);
    const took = Date.now() - started;
    expect(err).toMatchObject({ kind: "unreachable", message: expect.stringContaining("no answer within") });
    expect(took).toBeLessThan(400);
    expect(seen.length).toBeGreaterThanOrEqual(2);
    expect(seen.length).toBeLessThanOrEqual(4);
  });

  it("answers one attempt when asked for one, and rejects answers that break the protocol", async () => {
    const { cp, seen } = client([envelope(500, "internal"), json(200, { nonsense: true })]);
    await expect(cp.state(null, { attempts: 1 })).rejects.toMatchObject({ status: 500, code: "internal" });
    expect(seen).toHaveLength(1);
    await expect(cp.state(null)).rejects.toMatchObject({ kind: "http", code: "bad_response" });
  });

  it("reads the credential on every call, so a rotation takes effect at once", async () => {
    let credential = "ksp_agent_first0000000";
    const state = fixtureState({});
    const { cp, seen } = client([json(200, state), json(200, state)], { credential: () => credential });
    await cp.state(null);
    credential = "ksp_agent_second000000";
    await cp.state(null);
    expect(seen.map((s) => s.headers.authorization)).toEqual([
      "Bearer ksp_agent_first0000000",
      "Bearer ksp_agent_second000000",
    ]);
  });
});

describe("registerAgent", () => {
  const options = (fetch: typeof globalThis.fetch) => ({
    baseUrl: "http://cp.test",
    registrationToken: "ksp_reg_TOKENTOKENTOKEN",
    clusterName: "prod",
    agentVersion: "0.1.0",
    kubernetesVersion: "v1.31.0",
    fetch,
  });

  it("trades the token for the credential", async () => {
    const { fetch, seen } = scriptedFetch([
      json(201, { clusterId: "c1", clusterName: "prod", credential: "cred" }),
    ]);
    expect(await registerAgent(options(fetch))).toEqual({
      clusterId: "c1",
      clusterName: "prod",
      credential: "cred",
    });
    expect(JSON.parse(seen[0]!.body!)).toEqual({
      registrationToken: "ksp_reg_TOKENTOKENTOKEN",
      clusterName: "prod",
      agentVersion: "0.1.0",
      kubernetesVersion: "v1.31.0",
    });
  });

  it("tries once: a 503 is not retried, since the token may already be spent", async () => {
    const { fetch, seen } = scriptedFetch([
      envelope(503, "dependency_unavailable"),
      envelope(401, "unauthorized"),
    ]);
    await expect(registerAgent(options(fetch))).rejects.toMatchObject({ status: 503 });
    await expect(registerAgent(options(fetch))).rejects.toMatchObject({ status: 401, code: "unauthorized" });
    expect(seen).toHaveLength(2);
  });
});
