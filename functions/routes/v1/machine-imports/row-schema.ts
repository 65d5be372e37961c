/**
 * Adapts the shared machine input schema (the body of a single create) to
 * what the import service needs: how CSV cells convert per field, and a
 * per-row validation with field-level messages. An import row accepts exactly
 * what a single create accepts, minus fields an import must not set (such as
 * an assignment: imports assign through `clusterId`/`poolId` in the query).
 */
import type { z } from "@hono/zod-openapi";
import type { FieldKind } from "../../../services/machine-import/csv-rows.ts";
import {
  type DescriptiveField,
  type DescriptiveValues,
  isDescriptiveField,
  type MachineRowSchema,
  type RowValidation,
} from "../../../services/machine-import/machine-fields.ts";
import type { FieldError } from "../../../services/machine-import/raw-row.ts";

const WRAPPERS = new Set(["optional", "nullable", "default", "prefault", "readonly", "catch"]);

interface DefLike {
  type: string;
  innerType?: { def: DefLike };
  element?: { def: DefLike };
}

function kindOf(schema: { def: DefLike }): FieldKind {
  let def = schema.def;
  while (WRAPPERS.has(def.type) && def.innerType) def = def.innerType.def;
  switch (def.type) {
    case "number":
      return "number";
    case "boolean":
      return "boolean";
    case "record":
      return "labels";
    case "array":
      return def.element?.def.type === "string" ? "list" : "other";
    case "string":
    case "enum":
    case "literal":
    case "union":
      return "string";
    default:
      return "other";
  }
}

/** The CSV-convertible kind of every field of an object schema. */
export function fieldKindsOf(schema: z.ZodObject): Map<string, FieldKind> {
  const kinds = new Map<string, FieldKind>();
  for (const [name, field] of Object.entries(schema.shape)) {
    kinds.set(name, kindOf(field as unknown as { def: DefLike }));
  }
  return kinds;
}

function fieldErrorsOf(error: z.ZodError): FieldError[] {
  return error.issues.flatMap((issue) => {
    const path = issue.path.map(String).join(".");
    if (issue.code === "unrecognized_keys") {
      return issue.keys.map((key) => ({ field: path ? `${path}.${key}` : key, message: "unknown field" }));
    }
    return [{ field: path, message: issue.message }];
  });
}

export function machineRowSchema(schema: z.ZodObject): MachineRowSchema {
  const fieldKinds = fieldKindsOf(schema);
  const refused = [...fieldKinds.keys()].filter((name) => name !== "ip" && !isDescriptiveField(name));

  const validate = (value: unknown): RowValidation => {
    const parsed = schema.safeParse(value);
    const given =
      typeof value === "object" && value !== null && !Array.isArray(value) ? Object.keys(value) : [];
    const notAllowed = refused.filter((field) => given.includes(field));
    const errors = [
      ...(parsed.success ? [] : fieldErrorsOf(parsed.error).filter((e) => !notAllowed.includes(e.field))),
      ...notAllowed.map((field) => ({ field, message: "an import cannot set this field" })),
    ];
    if (!parsed.success || errors.length > 0) return { ok: false, errors };

    const data = parsed.data as Record<string, unknown>;
    const values: DescriptiveValues = {};
    for (const [name, fieldValue] of Object.entries(data)) {
      if (isDescriptiveField(name) && fieldValue !== undefined) Object.assign(values, { [name]: fieldValue });
    }
    return {
      ok: true,
      machine: {
        ip: String(data.ip),
        hostname: String(data.hostname),
        values,
        given: new Set(given.filter((name): name is DescriptiveField => isDescriptiveField(name))),
      },
    };
  };
  return { fieldKinds, validate };
}
