import { OpenAPIHono, z } from "@hono/zod-openapi";
import { describe, expect, it } from "vitest";
import { createApp } from "../../../../functions/app.ts";
import { openApiDocument } from "../../../../functions/http/openapi.ts";
import { patternWithoutFlags, repairOpenApiDocument } from "../../../../functions/http/openapi-repairs.ts";
import { lintOpenApiDocument } from "../../../../scripts/openapi-lint/lint.ts";
import { STANDARD_FORMATS } from "../../../../scripts/openapi-lint/standards.ts";
import { testDeps } from "../../../support/app-test-deps.ts";

type Json = Record<string, unknown>;

async function servedDocument(): Promise<Json> {
  const res = await createApp(testDeps()).request("/openapi.json");
  expect(res.status).toBe(200);
  return (await res.json()) as Json;
}

/** Every value of `key` anywhere in the document, examples included. */
function valuesOf(node: unknown, key: string): unknown[] {
  if (Array.isArray(node)) return node.flatMap((item) => valuesOf(item, key));
  if (typeof node !== "object" || node === null) return [];
  return Object.entries(node).flatMap(([k, v]) =>
    k === key && typeof v === "string" ? [v] : valuesOf(v, key),
  );
}

describe("/openapi.json as generated and validating clients read it", () => {
  it("passes the OpenAPI lint: 3.1 schema, strict Ajv compile, standard formats, patterns matching examples", async () => {
    expect(await lintOpenApiDocument(await servedDocument())).toEqual([]);
  }, 30_000);

  it("names a server relative to wherever the document is served", async () => {
    const doc = await servedDocument();
    expect(doc.servers).toEqual([{ url: "/", description: expect.stringMatching(/relative/) }]);
  });

  it("has only flag-free Unicode patterns and standard formats", async () => {
    const doc = await servedDocument();
    const patterns = valuesOf(doc, "pattern") as string[];
    expect(patterns.length).toBeGreaterThan(0);
    for (const pattern of patterns) {
      expect(pattern, pattern).not.toMatch(/(^|[^\\])(\\\\)*\/[a-z]+$/);
      expect(() => new RegExp(pattern, "u"), pattern).not.toThrow();
    }
    for (const format of valuesOf(doc, "format")) expect(STANDARD_FORMATS, String(format)).toContain(format);
  });
});

describe("repairOpenApiDocument: what zod-to-openapi writes wrongly for zod 4 strings", () => {
  function probeApp() {
    const app = new OpenAPIHono();
    app.openAPIRegistry.register(
      "Probe",
      z.object({
        text: z.string().regex(/^[^\p{Cc}]*$/u),
        slash: z.string().regex(/^a\/u$/),
        caseless: z.string().regex(/^abc$/i),
        address: z.union([z.ipv4(), z.ipv6()]),
        v4: z.ipv4(),
      }),
    );
    return app;
  }
  const probeOf = (doc: unknown) =>
    (doc as { components: { schemas: { Probe: { properties: Record<string, Json> } } } }).components.schemas
      .Probe.properties;

  it("the generator writes a regex's flags into the pattern and 'ip' for both IP versions", () => {
    // If this starts failing, the generator was fixed and the repairs may go.
    const raw = probeOf(
      probeApp().getOpenAPI31Document({ openapi: "3.1.0", info: { title: "t", version: "1" } }),
    );
    expect(raw.text?.pattern).toBe("^[^\\p{Cc}]*$/u");
    expect(raw.address?.anyOf).toEqual([
      { type: "string", format: "ip" },
      { type: "string", format: "ip" },
    ]);
  });

  it("openApiDocument repairs what it can say faithfully and leaves the rest for the lint", () => {
    const props = probeOf(openApiDocument(probeApp()));
    expect(props.text?.pattern).toBe("^[^\\p{Cc}]*$");
    expect(new RegExp(String(props.text?.pattern), "u").test("eu")).toBe(true);
    expect(props.slash?.pattern).toBe("^a\\/u$");
    expect(props.address?.anyOf).toEqual([
      { type: "string", format: "ipv4" },
      { type: "string", format: "ipv6" },
    ]);
    // Not expressible in JSON Schema, or not knowable from the document: the lint reports these.
    expect(props.caseless?.pattern).toBe("^abc$/i");
    expect(props.v4?.format).toBe("ip");
  });

  it("turns only RegExp#toString output back into a source", () => {
    expect(patternWithoutFlags("^[^\\p{Cc}]*$/u")).toBe("^[^\\p{Cc}]*$");
    expect(patternWithoutFlags("^a$/gu")).toBe("^a$");
    expect(patternWithoutFlags("^\\d+$")).toBe("^\\d+$");
    expect(patternWithoutFlags("^a\\/u")).toBe("^a\\/u"); // an escaped slash is part of the pattern
    expect(patternWithoutFlags("^a$/ug")).toBe("^a$/ug"); // toString orders flags: not its output
    expect(patternWithoutFlags("^a$/i")).toBe("^a$/i"); // the flag changes what matches
    expect(patternWithoutFlags("^a$/v")).toBe("^a$/v");
  });

  it("repairs schemas wherever they sit, and never data", () => {
    const doc = {
      openapi: "3.1.0",
      components: {
        schemas: {
          Thing: {
            type: "object",
            properties: { default: { type: "string", pattern: "^x$/u" } },
            example: { pattern: "^x$/u" },
            anyOf: [{ format: "ip" }, { format: "ip", description: "differs" }],
          },
        },
      },
      paths: {
        "/t": {
          get: { parameters: [{ name: "q", in: "query", schema: { pattern: "^q$/u", enum: ["y$/u"] } }] },
        },
      },
    };
    const repaired = repairOpenApiDocument(doc);
    const thing = repaired.components.schemas.Thing;
    expect(thing.properties.default.pattern).toBe("^x$");
    expect(thing.example).toEqual({ pattern: "^x$/u" });
    expect(thing.anyOf).toEqual(doc.components.schemas.Thing.anyOf);
    expect(repaired.paths["/t"].get.parameters[0]?.schema).toEqual({ pattern: "^q$", enum: ["y$/u"] });
    expect(doc.components.schemas.Thing.properties.default.pattern).toBe("^x$/u"); // a copy, not in place
  });
});

describe("lintOpenApiDocument", () => {
  function document(schemas: Record<string, unknown>, extra: Json = {}): Json {
    return {
      openapi: "3.1.0",
      info: { title: "t", version: "1" },
      servers: [{ url: "/" }],
      paths: {
        "/things/{name}": {
          get: {
            parameters: [
              {
                name: "name",
                in: "path",
                required: true,
                schema: { type: "string", pattern: "^[a-z]+$" },
                example: "abc",
              },
            ],
            responses: {
              "200": {
                description: "ok",
                content: { "application/json": { schema: { $ref: "#/components/schemas/Thing" } } },
              },
            },
          },
        },
      },
      components: { schemas },
      ...extra,
    };
  }
  const thing = { type: "object", properties: { id: { type: "string", format: "uuid" } } };

  it("accepts a document without defects", async () => {
    expect(await lintOpenApiDocument(document({ Thing: thing }))).toEqual([]);
  });

  it("reports a missing servers entry, and a document that is not OpenAPI 3.1", async () => {
    expect(await lintOpenApiDocument(document({ Thing: thing }, { servers: [] }))).toEqual([
      expect.stringMatching(/no `servers` entry/),
    ]);
    const { info: _, ...withoutInfo } = document({ Thing: thing });
    expect(await lintOpenApiDocument(withoutInfo)).toContainEqual(
      expect.stringMatching(/^not valid OpenAPI 3\.1/),
    );
    expect(await lintOpenApiDocument({ ...document({ Thing: thing }), openapi: "3.0.3" })).toEqual([
      expect.stringMatching(/reads OpenAPI 3\.1 documents; this one declares openapi "3\.0\.3"/),
    ]);
  });

  it("reports patterns with leaked flags, without an example, or not matching it", async () => {
    const problems = await lintOpenApiDocument(
      document({
        Thing: {
          type: "object",
          properties: {
            leaked: { type: "string", pattern: "^[^\\p{Cc}]*$/u" },
            bare: { type: "string", pattern: "^[a-z]{3}$" },
            wrong: { type: "string", pattern: "^[a-z]{3}$", example: "abcd" },
            broken: { type: "string", pattern: "^(a$", example: "a" },
            fine: { type: "string", pattern: "^[a-z]{3}$", examples: ["abc"] },
          },
        },
      }),
    );
    expect(problems).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/ends in regex flags.*at \/components\/schemas\/Thing\/properties\/leaked\)/),
        expect.stringMatching(/has no example.*at \/components\/schemas\/Thing\/properties\/bare\)/),
        expect.stringMatching(/does not match its example "abcd".*properties\/wrong\)/),
        expect.stringMatching(/not an ECMA-262 regex.*properties\/broken\)/),
      ]),
    );
    expect(problems.join("\n")).not.toMatch(/properties\/fine/);
  });

  it("takes a pattern's example from an enclosing schema's example when it has none of its own", async () => {
    const lettersOrDigits = {
      anyOf: [
        { type: "string", pattern: "^[a-z]+$" },
        { type: "string", pattern: "^[0-9]+$" },
      ],
    };
    const problems = await lintOpenApiDocument(
      document({
        Thing: {
          type: "object",
          properties: {
            tags: { type: "array", items: { type: "string", pattern: "^[a-z]+$" } },
            either: lettersOrDigits,
          },
          examples: [
            { tags: ["abc"], either: "abc" },
            { tags: [], either: "42" },
          ],
        },
        Other: { ...lettersOrDigits, examples: ["42", "abc"] },
      }),
    );
    expect(problems).toEqual([]);
    const oneSided = await lintOpenApiDocument(
      document({
        Thing: { type: "object", properties: { letters: lettersOrDigits }, example: { letters: "abc" } },
      }),
    );
    expect(oneSided).toEqual([
      expect.stringMatching(
        /pattern "\^\[0-9\]\+\$" has no example \(none of \["abc"\] matches\).*properties\/letters\/anyOf\/1\)/,
      ),
    ]);
  });

  it("reports non-standard formats and examples that do not validate", async () => {
    const problems = await lintOpenApiDocument(
      document({
        Thing: {
          type: "object",
          properties: {
            ip: { type: "string", format: "ip" },
            count: { type: "integer", example: "three" },
          },
        },
      }),
    );
    expect(problems).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/non-standard format "ip".*properties\/ip\)/),
        expect.stringMatching(/does not compile: unknown format "ip".*at \/components\/schemas\/Thing/),
        expect.stringMatching(/example "three" does not validate.*properties\/count\)/),
      ]),
    );
  });

  it("reports a reference that resolves nowhere", async () => {
    const problems = await lintOpenApiDocument(
      document({
        Thing: { type: "object", properties: { other: { $ref: "#/components/schemas/Missing" } } },
      }),
    );
    expect(problems).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/not valid OpenAPI 3\.1: .*#\/components\/schemas\/Missing/),
        expect.stringMatching(/does not compile: .*Missing.*at \/components\/schemas\/Thing/),
      ]),
    );
  });
});
