import { describe, expect, it } from "vitest";
import { createApp } from "../../../../functions/app.ts";
import { testDeps } from "../../../support/app-test-deps.ts";

interface OpenApiDoc {
  openapi: string;
  info: { title: string; version: string };
  paths: Record<string, Record<string, { security?: unknown[]; responses: Record<string, unknown> }>>;
  components: {
    schemas: Record<string, unknown>;
    securitySchemes: Record<string, { type: string; scheme: string }>;
  };
  security: Record<string, unknown[]>[];
}

describe("/openapi.json", () => {
  it("is an OpenAPI 3.1 document listing the routes, the bearer scheme and the error envelope", async () => {
    const res = await createApp(testDeps()).request("/openapi.json");
    expect(res.status).toBe(200);
    const doc = (await res.json()) as OpenApiDoc;
    expect(doc.openapi).toBe("3.1.0");
    expect(doc.info.title).toMatch(/kube-static-pool/);
    expect(doc.info.version).toMatch(/^\d+\.\d+\.\d+/);
    expect(Object.keys(doc.paths)).toEqual(expect.arrayContaining(["/healthz", "/readyz"]));
    expect(doc.paths["/healthz"]?.get?.responses).toHaveProperty("200");
    expect(doc.paths["/readyz"]?.get?.responses).toHaveProperty("503");
    // Probes are public; everything else inherits the global bearer requirement.
    expect(doc.paths["/healthz"]?.get?.security).toEqual([]);
    expect(doc.security).toEqual([{ bearerAuth: [] }]);
    expect(doc.components.securitySchemes.bearerAuth).toMatchObject({ type: "http", scheme: "bearer" });
    expect(doc.components.schemas).toHaveProperty("ErrorEnvelope");
    expect(JSON.stringify(doc.paths["/healthz"])).toContain("#/components/schemas/ErrorEnvelope");
  });
});
