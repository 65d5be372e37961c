import { createRoute, z } from "@hono/zod-openapi";
import { describe, expect, it } from "vitest";
import { createApp } from "../../../../functions/app.ts";
import { ERROR_STATUS } from "../../../../functions/http/error-map.ts";
import { AppError } from "../../../../functions/lib/errors.ts";
import { ERROR_CODES } from "../../../../proto/error-codes.ts";
import { testDeps } from "../../../support/app-test-deps.ts";

function appThrowing(err: unknown) {
  const deps = testDeps();
  const app = createApp(deps);
  app.get("/boom", () => {
    throw err;
  });
  return { app, deps };
}

describe("error envelope", () => {
  it("maps every error code through the one table", () => {
    // A code added to proto/error-codes.ts without a status would fail here (and in tsc).
    expect(Object.keys(ERROR_STATUS).sort()).toEqual([...ERROR_CODES].sort());
  });

  it.each(ERROR_CODES.filter((c) => c !== "internal"))(
    "AppError(%s) answers its mapped status",
    async (code) => {
      const { app } = appThrowing(new AppError(code, `it is ${code}`, { n: 1 }));
      const res = await app.request("/boom", { headers: { "x-request-id": "req-1" } });
      expect(res.status).toBe(ERROR_STATUS[code]);
      expect(res.headers.get("content-type")).toMatch(/application\/json/);
      expect(await res.json()).toEqual({
        error: { code, message: `it is ${code}`, requestId: "req-1", details: { n: 1 } },
      });
    },
  );

  it("omits details when there are none", async () => {
    const { app } = appThrowing(new AppError("not_found", "no such pool"));
    const body = (await (await app.request("/boom")).json()) as { error: Record<string, unknown> };
    expect(body.error).not.toHaveProperty("details");
  });

  it("answers unexpected errors with a generic 500 and logs the detail", async () => {
    const { app, deps } = appThrowing(new TypeError("secret internals at db.ts:12"));
    const res = await app.request("/boom");
    expect(res.status).toBe(500);
    const text = await res.text();
    expect(text).not.toContain("secret internals");
    expect(text).not.toMatch(/at .*\.ts:\d+/);
    const body = JSON.parse(text) as { error: { code: string; requestId: string } };
    expect(body.error.code).toBe("internal");
    expect(body.error.requestId).toBe(res.headers.get("x-request-id"));
    const logged = deps.logger.lines.find((l) => l.msg === "unhandled error");
    expect(logged?.error).toMatchObject({ message: "secret internals at db.ts:12" });
    expect(String(logged?.stack)).toContain("TypeError");
  });

  it("hides the message of an AppError coded internal", async () => {
    const { app } = appThrowing(new AppError("internal", "pool invariant broken: row 42"));
    const res = await app.request("/boom");
    expect(res.status).toBe(500);
    expect(await res.text()).not.toContain("row 42");
  });

  it("answers validation failures with 400 validation_failed listing the issues", async () => {
    const app = createApp(testDeps());
    const route = createRoute({
      method: "post",
      path: "/pools",
      request: {
        body: {
          content: {
            "application/json": { schema: z.object({ name: z.string().min(3), size: z.number().int() }) },
          },
        },
      },
      responses: { 200: { description: "ok" } },
    });
    app.openapi(route, (c) => c.json({ ok: true }, 200));
    const res = await app.request("/pools", {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ name: "x", size: "big" }),
    });
    expect(res.status).toBe(400);
    const body = (await res.json()) as { error: { code: string; details: { issues: { path: string }[] } } };
    expect(body.error.code).toBe("validation_failed");
    expect(body.error.details.issues.map((i) => i.path).sort()).toEqual(["name", "size"]);
  });
});
