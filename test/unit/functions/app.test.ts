import { createRoute, z } from "@hono/zod-openapi";
import { describe, expect, it } from "vitest";
import { EXPECTED_MIGRATIONS } from "../../../drizzle/migration-status.ts";
import { createApp } from "../../../functions/app.ts";
import { MemoryCoordination } from "../../../functions/lib/coordination/memory.ts";
import { AppError } from "../../../functions/lib/errors.ts";
import { fakeDatabase, testDeps } from "../../support/app-test-deps.ts";

type Envelope = {
  error: { code: string; message: string; requestId: string; details?: Record<string, unknown> };
};

function appWithEcho(maxBodyBytes = 1024 * 1024) {
  const deps = testDeps({ maxBodyBytes });
  const app = createApp(deps);
  const route = createRoute({
    method: "post",
    path: "/echo",
    request: { body: { content: { "application/json": { schema: z.object({ text: z.string() }) } } } },
    responses: { 200: { description: "echo" } },
  });
  app.openapi(route, (c) => c.json(c.req.valid("json"), 200));
  return { app, deps };
}

describe("request id", () => {
  it("keeps a sane incoming id", async () => {
    const { app } = appWithEcho();
    const res = await app.request("/healthz", { headers: { "x-request-id": "abc.DEF-123_x" } });
    expect(res.headers.get("x-request-id")).toBe("abc.DEF-123_x");
  });

  it.each([
    ["too long", "a".repeat(129)],
    ["odd characters", "abc def"],
    ["backslashes", "abc\\nx"],
  ])("replaces an id that is %s", async (_why, id) => {
    const { app } = appWithEcho();
    const res = await app.request("/healthz", { headers: { "x-request-id": id } });
    const got = res.headers.get("x-request-id");
    expect(got).not.toBe(id);
    expect(got).toMatch(/^[0-9a-f-]{36}$/);
  });

  it("accepts exactly 128 characters and generates one when absent", async () => {
    const { app } = appWithEcho();
    const id = "b".repeat(128);
    expect(
      (await app.request("/healthz", { headers: { "x-request-id": id } })).headers.get("x-request-id"),
    ).toBe(id);
    const a = (await app.request("/healthz")).headers.get("x-request-id");
    const b = (await app.request("/healthz")).headers.get("x-request-id");
    expect(a).toMatch(/^[0-9a-f-]{36}$/);
    expect(a).not.toBe(b);
  });

  it("is on error responses too, inside the envelope", async () => {
    const { app } = appWithEcho();
    const res = await app.request("/nowhere", { headers: { "x-request-id": "trace-9" } });
    expect(res.headers.get("x-request-id")).toBe("trace-9");
    expect(((await res.json()) as Envelope).error.requestId).toBe("trace-9");
  });
});

describe("HTTP edge cases", () => {
  it("answers unknown routes with a 404 envelope", async () => {
    const { app } = appWithEcho();
    const res = await app.request("/nope?x=1");
    expect(res.status).toBe(404);
    expect(((await res.json()) as Envelope).error).toMatchObject({
      code: "not_found",
      message: "no route for GET /nope",
    });
  });

  it("answers a wrong method with 405, an Allow header and the envelope", async () => {
    const { app } = appWithEcho();
    const res = await app.request("/healthz", { method: "DELETE" });
    expect(res.status).toBe(405);
    expect(res.headers.get("allow")).toBe("GET, HEAD");
    expect(((await res.json()) as Envelope).error.code).toBe("method_not_allowed");
    const post = await app.request("/echo", { method: "GET" });
    expect(post.status).toBe(405);
    expect(post.headers.get("allow")).toBe("POST");
  });

  it("answers malformed JSON with 400 bad_request", async () => {
    const { app } = appWithEcho();
    const res = await app.request("/echo", {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: '{"text": "unterminated',
    });
    expect(res.status).toBe(400);
    expect(((await res.json()) as Envelope).error).toMatchObject({
      code: "bad_request",
      message: "request body is not valid JSON",
    });
  });

  it("accepts a body at the limit and refuses one above it with 413", async () => {
    const { app } = appWithEcho(1024);
    const fits = JSON.stringify({ text: "x".repeat(1024 - 11) });
    expect(fits.length).toBe(1024);
    const ok = await app.request("/echo", {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: fits,
    });
    expect(ok.status).toBe(200);
    const big = JSON.stringify({ text: "x".repeat(2048) });
    const res = await app.request("/echo", {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: big,
    });
    expect(res.status).toBe(413);
    expect(((await res.json()) as Envelope).error).toMatchObject({
      code: "payload_too_large",
      details: { maxBytes: 1024 },
    });
  });

  it("refuses an oversized streamed body (no Content-Length) with 413", async () => {
    const { app } = appWithEcho(1024);
    const chunk = new TextEncoder().encode("x".repeat(600));
    const body = new ReadableStream<Uint8Array>({
      start(controller) {
        controller.enqueue(new TextEncoder().encode('{"text":"'));
        controller.enqueue(chunk);
        controller.enqueue(chunk);
        controller.enqueue(new TextEncoder().encode('"}'));
        controller.close();
      },
    });
    const req = new Request("http://local/echo", {
      method: "POST",
      headers: { "content-type": "application/json" },
      body,
      duplex: "half",
    } as RequestInit);
    expect(req.headers.get("content-length")).toBeNull();
    const res = await app.fetch(req);
    expect(res.status).toBe(413);
  });

  it("logs one access line per request without query strings or credentials", async () => {
    const { app, deps } = appWithEcho();
    const res = await app.request("/healthz?token=ksp_adm_supersecretvalue123456", {
      headers: { authorization: "Bearer ksp_adm_supersecretvalue123456", "x-request-id": "log-1" },
    });
    expect(res.status).toBe(200);
    const lines = deps.logger.lines.filter((l) => l.msg === "request");
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({ method: "GET", path: "/healthz", status: 200, requestId: "log-1" });
    expect(typeof lines[0]?.durationMs).toBe("number");
    expect(JSON.stringify(deps.logger.lines)).not.toContain("supersecret");
  });
});

describe("/healthz and /readyz", () => {
  it("/healthz answers without touching the database", async () => {
    const deps = testDeps();
    const res = await createApp(deps).request("/healthz");
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ status: "ok" });
    expect(deps.leases.acquired).toBe(0);
  });

  it("refuse a declared body over the limit with 413, as /openapi.json says, without checking anything", async () => {
    const deps = testDeps();
    const app = createApp(deps);
    for (const path of ["/healthz", "/readyz"]) {
      const res = await app.request(path, { headers: { "content-length": String(2 * 1024 * 1024) } });
      expect(res.status, path).toBe(413);
      expect(((await res.json()) as { error: { code: string } }).error.code).toBe("payload_too_large");
    }
    expect(deps.leases.acquired).toBe(0);
    const doc = (await (await app.request("/openapi.json")).json()) as {
      paths: Record<string, { get: { responses: Record<string, unknown> } }>;
    };
    expect(Object.keys(doc.paths["/healthz"]!.get.responses)).toContain("413");
    expect(Object.keys(doc.paths["/readyz"]!.get.responses)).toContain("413");
  });

  it("/readyz is 200 when every check passes, and gives the lease back", async () => {
    const deps = testDeps();
    const res = await createApp(deps).request("/readyz");
    expect(res.status).toBe(200);
    const body = (await res.json()) as { status: string; checks: Record<string, { ok: boolean }> };
    expect(body.status).toBe("ready");
    expect(body.checks).toMatchObject({
      database: { ok: true },
      migrations: { ok: true, applied: EXPECTED_MIGRATIONS.length, expected: EXPECTED_MIGRATIONS.length },
      coordination: { ok: true },
    });
    expect(deps.leases).toEqual({ acquired: 1, released: 1 });
  });

  it("/readyz is 503 naming the database when it is down", async () => {
    const deps = testDeps({
      database: fakeDatabase({
        execute: () => Promise.reject(new Error("x", { cause: new Error("connect ECONNREFUSED") })),
      }),
    });
    const res = await createApp(deps).request("/readyz");
    expect(res.status).toBe(503);
    const body = (await res.json()) as {
      status: string;
      checks: Record<string, { ok: boolean; error?: string }>;
    };
    expect(body.status).toBe("not_ready");
    expect(body.checks.database).toMatchObject({ ok: false, error: "connect ECONNREFUSED" });
    expect(body.checks.migrations).toMatchObject({ ok: false, error: "not checked: database unavailable" });
    expect(body.checks.coordination?.ok).toBe(true);
  });

  it("/readyz is 503 when migrations are pending", async () => {
    const res = await createApp(testDeps({ database: fakeDatabase({ migrationsApplied: false }) })).request(
      "/readyz",
    );
    expect(res.status).toBe(503);
    const body = (await res.json()) as { checks: Record<string, { ok: boolean; error?: string }> };
    expect(body.checks.database?.ok).toBe(true);
    expect(body.checks.migrations?.error).toMatch(/^pending migrations: 0000_init/);
  });

  it("/readyz bounds each check in time and hides credentials in reasons", async () => {
    const coordination = new MemoryCoordination(testDeps().clock);
    coordination.ping = () => new Promise(() => {});
    const slow = testDeps({ coordination, readyCheckTimeoutMs: 50 });
    const started = Date.now();
    const res = await createApp(slow).request("/readyz");
    expect(Date.now() - started).toBeLessThan(2_000);
    expect(res.status).toBe(503);
    const body = (await res.json()) as { checks: Record<string, { ok: boolean; error?: string }> };
    expect(body.checks.coordination).toMatchObject({ ok: false, error: "no answer within 50 ms" });

    const leaky = testDeps({
      acquire: () =>
        Promise.reject(
          new AppError("dependency_unavailable", "cannot reach postgres://ksp:hunter2@db:5432/x"),
        ),
    });
    const text = await (await createApp(leaky).request("/readyz")).text();
    expect(text).not.toContain("hunter2");
    expect(text).toContain("postgres://****@db:5432/x");
  });
});
