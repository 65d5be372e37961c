/**
 * The OpenAPI lint: everything in a document that trips generated or validating clients. Checked:
 * - the document against the OpenAPI 3.1 schema (@seriousme/openapi-schema-validator);
 * - every schema (components, parameters, request and response bodies, headers) compiles with Ajv's
 *   JSON Schema 2020-12 validator in strict mode, with the standard formats (ajv-formats);
 * - every `format` is one JSON Schema or the OpenAPI format registry defines;
 * - every `pattern` compiles as a Unicode ECMA-262 regex and matches an example: all of the schema's
 *   own (or its parameter's or body's), else one an enclosing example holds there, else the one in
 *   pattern-examples.ts;
 * - every example validates against the schema it illustrates;
 * - there is a `servers` entry.
 */
import { Validator } from "@seriousme/openapi-schema-validator";
import type { ErrorObject } from "ajv";
import Ajv2020 from "ajv/dist/2020.js";
import addFormats from "ajv-formats";
import { PATTERN_EXAMPLES } from "./pattern-examples.ts";
import { OPENAPI_KEYWORDS, STANDARD_FORMATS } from "./standards.ts";
import { allSchemas, at, isObject, type JsonObject, rootSchemas, type SchemaAt } from "./walk.ts";

/** The base URI the document's own `#/components/...` references resolve against in Ajv. */
const DOCUMENT_ID = "https://openapi.invalid/openapi.json";

/** Problems, each reported once with where it occurs. */
class Problems {
  private readonly places = new Map<string, string[]>();
  add(message: string, pointer?: string): void {
    const places = this.places.get(message) ?? [];
    if (pointer !== undefined) places.push(pointer);
    this.places.set(message, places);
  }
  list(): string[] {
    return [...this.places].map(([message, places]) => {
      if (places.length === 0) return message;
      const more = places.length > 1 ? ` and ${places.length - 1} more` : "";
      return `${message} (at ${places[0]}${more})`;
    });
  }
}

function ajvErrorText(error: ErrorObject): string {
  const where = error.instancePath || "/";
  return `${where} ${error.message ?? error.keyword} ${JSON.stringify(error.params)}`;
}

async function checkOpenApiSchema(document: JsonObject, problems: Problems): Promise<void> {
  const result = await new Validator().validate(structuredClone(document));
  if (result.valid) return;
  const errors =
    typeof result.errors === "string" ? [result.errors] : (result.errors ?? []).map(ajvErrorText);
  for (const error of errors.slice(0, 20)) problems.add(`not valid OpenAPI 3.1: ${error}`);
}

function checkServers(document: JsonObject, problems: Problems): void {
  const servers = document.servers;
  if (!Array.isArray(servers) || servers.length === 0) {
    problems.add("no `servers` entry: generated clients need a base URL");
  } else if (!servers.every((s) => isObject(s) && typeof s.url === "string" && s.url !== "")) {
    problems.add("a `servers` entry without a `url`");
  }
}

function newAjv(document: JsonObject, problems: Problems) {
  let current = "";
  const ajv = new Ajv2020({
    strict: true,
    allErrors: true,
    logger: {
      log: () => {},
      warn: (...args: unknown[]) => problems.add(`Ajv: ${args.join(" ")}`, current),
      error: (...args: unknown[]) => problems.add(`Ajv: ${args.join(" ")}`, current),
    },
  });
  addFormats(ajv);
  for (const format of STANDARD_FORMATS) if (!ajv.formats[format]) ajv.addFormat(format, true);
  // `components` and `paths` are declared so the schemas can be compiled where they sit, their
  // `#/components/...` references resolving against the document as in OpenAPI.
  ajv.addVocabulary([...OPENAPI_KEYWORDS, "components", "paths", "webhooks"]);
  ajv.addSchema({ $id: DOCUMENT_ID, components: document.components, paths: document.paths });
  /** The validator of the schema at `pointer`, or undefined (the problem recorded) if it does not compile. */
  return (pointer: string) => {
    current = pointer;
    const fragment = pointer.split("/").map(encodeURIComponent).join("/");
    try {
      const validate = ajv.getSchema(`${DOCUMENT_ID}#${fragment}`);
      if (!validate) problems.add("schema not found", pointer);
      return validate;
    } catch (error) {
      problems.add(`does not compile: ${error instanceof Error ? error.message : String(error)}`, pointer);
      return undefined;
    }
  };
}

function checkFormat({ schema, pointer }: SchemaAt, problems: Problems): void {
  if (schema.format !== undefined && !STANDARD_FORMATS.has(String(schema.format))) {
    problems.add(`non-standard format ${JSON.stringify(schema.format)}`, pointer);
  }
}

/** An unescaped "/" then flag letters at the end: what `String(regex)` leaves once its leading "/" is cut. */
const LEAKED_FLAGS = /(^|[^\\])(\\\\)*\/[dgimsuvy]+$/;

function checkPattern(found: SchemaAt, problems: Problems): void {
  const { schema, pointer } = found;
  if (isObject(schema.patternProperties)) {
    for (const key of Object.keys(schema.patternProperties))
      compiles(key, at(pointer, "patternProperties"), problems);
  }
  if (schema.pattern === undefined) return;
  const pattern = String(schema.pattern);
  if (LEAKED_FLAGS.test(pattern)) {
    problems.add(
      `pattern ${JSON.stringify(pattern)} ends in regex flags (RegExp#toString leaked into the document): ` +
        "a JSON Schema pattern is the regex's source alone",
      pointer,
    );
    return;
  }
  const regex = compiles(pattern, pointer, problems);
  if (!regex) return;
  const quoted = JSON.stringify(pattern);
  // The schema's own examples must all match; otherwise one value an enclosing example holds here,
  // or the table's, must.
  if (found.examples.length > 0) {
    for (const example of found.examples) {
      if (typeof example !== "string" || !regex.test(example)) {
        problems.add(`pattern ${quoted} does not match its example ${JSON.stringify(example)}`, pointer);
      }
    }
    return;
  }
  const candidates = [...found.enclosing, PATTERN_EXAMPLES[pattern]].filter(
    (value): value is string => typeof value === "string",
  );
  if (candidates.some((candidate) => regex.test(candidate))) return;
  const tried = candidates.length > 0 ? ` (none of ${JSON.stringify(candidates)} matches)` : "";
  problems.add(
    `pattern ${quoted} has no example${tried}: add .openapi({ example }) to its zod schema ` +
      "or an entry to PATTERN_EXAMPLES in scripts/openapi-lint/pattern-examples.ts",
    pointer,
  );
}

function compiles(pattern: string, pointer: string, problems: Problems): RegExp | undefined {
  try {
    return new RegExp(pattern, "u");
  } catch (error) {
    problems.add(`pattern ${JSON.stringify(pattern)} is not an ECMA-262 regex: ${String(error)}`, pointer);
    return undefined;
  }
}

function checkExamples(found: SchemaAt, validatorAt: ReturnType<typeof newAjv>, problems: Problems): void {
  if (found.examples.length === 0) return;
  const validate = validatorAt(found.pointer);
  if (!validate) return;
  for (const example of found.examples) {
    if (validate(example)) continue;
    const why = (validate.errors ?? []).map(ajvErrorText).join("; ");
    problems.add(`example ${JSON.stringify(example)} does not validate: ${why}`, found.pointer);
  }
}

/** Everything wrong with an OpenAPI document for generated and validating clients; empty when nothing is. */
export async function lintOpenApiDocument(document: unknown): Promise<string[]> {
  const problems = new Problems();
  if (!isObject(document) || typeof document.openapi !== "string" || !document.openapi.startsWith("3.1.")) {
    const version = isObject(document) ? JSON.stringify(document.openapi) : "none";
    problems.add(`this lint reads OpenAPI 3.1 documents; this one declares openapi ${version}`);
    return problems.list();
  }
  await checkOpenApiSchema(document, problems);
  checkServers(document, problems);
  const validatorAt = newAjv(document, problems);
  // References are document-absolute, so a schema compiles the same wherever it sits: the hundreds of
  // identical `{ $ref }` bodies are compiled once.
  const compiled = new Set<string>();
  for (const root of rootSchemas(document)) {
    const text = JSON.stringify(root.schema);
    if (!compiled.has(text)) validatorAt(root.pointer);
    compiled.add(text);
    for (const found of allSchemas(root)) {
      checkFormat(found, problems);
      checkPattern(found, problems);
      checkExamples(found, validatorAt, problems);
    }
  }
  return problems.list();
}
