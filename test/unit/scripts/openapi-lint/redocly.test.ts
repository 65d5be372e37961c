/**
 * The Redocly lint of `npm run lint:openapi` (scripts/openapi-lint/redocly.ts, redocly.yaml): it
 * runs the real CLI, fails a document with errors (so CI's lint can fail), and the document the
 * control plane serves has none.
 */
import { describe, expect, it } from "vitest";
import { createApp } from "../../../../functions/app.ts";
import { redoclyLint, summarizeByRule } from "../../../../scripts/openapi-lint/redocly.ts";
import { testDeps } from "../../../support/app-test-deps.ts";

const ok = { "200": { description: "ok" }, "404": { description: "not found" } };

interface Doc {
  paths: Record<string, unknown>;
  [key: string]: unknown;
}

/** A small document the recommended rules accept. */
function clean(): Doc {
  return {
    openapi: "3.1.0",
    info: { title: "t", version: "1", description: "d" },
    servers: [{ url: "/" }],
    security: [{ bearer: [] }],
    paths: {
      "/things/{name}": {
        get: {
          operationId: "getThing",
          summary: "A thing",
          parameters: [{ name: "name", in: "path", required: true, schema: { type: "string" } }],
          responses: ok,
        },
      },
    },
    components: { securitySchemes: { bearer: { type: "http", scheme: "bearer" } } },
  };
}

describe("redoclyLint", () => {
  it("accepts a clean document", async () => {
    const result = await redoclyLint(clean());
    expect(result.version).toMatch(/^\d+\.\d+\.\d+/);
    expect(result.errors).toEqual([]);
  });

  it("fails a document with errors, naming the rule and where", async () => {
    const bad = clean();
    // A path parameter nobody declares, a reference to nothing, a security scheme that does not exist.
    bad.paths["/things/{name}/parts/{part}"] = {
      get: {
        operationId: "getPart",
        summary: "A part",
        parameters: [{ name: "name", in: "path", required: true, schema: { type: "string" } }],
        security: [{ apiKey: [] }],
        responses: {
          "200": {
            description: "ok",
            content: { "application/json": { schema: { $ref: "#/components/schemas/Nope" } } },
          },
          "404": { description: "not found" },
        },
      },
    };
    const { errors } = await redoclyLint(bad);
    const rules = errors.map((e) => e.ruleId);
    expect(rules).toContain("path-parameters-defined");
    expect(rules).toContain("no-unresolved-refs");
    expect(rules).toContain("security-defined");
    expect(errors.find((e) => e.ruleId === "path-parameters-defined")?.pointer).toMatch(
      /^#\/paths\/~1things~1\{name\}~1parts~1\{part\}\/get/,
    );
  });

  it("fails an operation without an operationId (redocly.yaml makes it an error)", async () => {
    const unnamed = clean();
    delete (unnamed.paths["/things/{name}"] as { get: { operationId?: string } }).get.operationId;
    const { errors } = await redoclyLint(unnamed);
    expect(errors.map((e) => `${e.ruleId} ${e.pointer}`)).toEqual([
      "operation-operationId #/paths/~1things~1{name}/get/operationId",
    ]);
  });

  it("summarizes problems by rule", () => {
    const p = (ruleId: string, pointer: string) => ({
      ruleId,
      severity: "warn" as const,
      message: "m",
      pointer,
    });
    expect(summarizeByRule([p("a", "#/1"), p("a", "#/2"), p("a", "#/3"), p("b", "#/4")])).toEqual([
      "a ×3: m (at #/1, #/2, … 1 more)",
      "b ×1: m (at #/4)",
    ]);
  });

  it("finds no error in the document the control plane serves", async () => {
    const res = await createApp(testDeps()).request("/openapi.json");
    const { errors } = await redoclyLint(await res.json());
    expect(errors).toEqual([]);
  }, 30_000);
});
