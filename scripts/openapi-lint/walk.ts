/**
 * Where an OpenAPI 3.1 document keeps its schemas, and which example values apply to each: the
 * schema's own, those of the parameter or body it describes, and what enclosing schemas' examples
 * hold at its place.
 */

const SUBSCHEMA = [
  "items",
  "additionalProperties",
  "not",
  "if",
  "then",
  "else",
  "contains",
  "propertyNames",
  "unevaluatedItems",
  "unevaluatedProperties",
  "contentSchema",
];
const SUBSCHEMA_LISTS = ["prefixItems", "allOf", "anyOf", "oneOf"];
const SUBSCHEMA_MAPS = ["properties", "patternProperties", "$defs", "dependentSchemas"];

export type JsonObject = Record<string, unknown>;

export function isObject(value: unknown): value is JsonObject {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

const escapeToken = (token: string) => token.replaceAll("~", "~0").replaceAll("/", "~1");
export const at = (pointer: string, ...tokens: (string | number)[]) =>
  pointer + tokens.map((t) => `/${escapeToken(String(t))}`).join("");

export interface SchemaAt {
  pointer: string;
  schema: JsonObject;
  /** Examples given for this very schema: its own, or those of the parameter or body it is the schema of. */
  examples: unknown[];
  /** What the enclosing schemas' examples hold here (a property of an object example, an array's items…). */
  enclosing: unknown[];
}

function examplesOf(node: JsonObject): unknown[] {
  const found: unknown[] = [];
  if (node.example !== undefined) found.push(node.example);
  if (Array.isArray(node.examples)) found.push(...node.examples);
  // A parameter's or media type's `examples` is a map of Example Objects.
  else if (isObject(node.examples)) {
    for (const example of Object.values(node.examples)) {
      if (isObject(example) && example.value !== undefined) found.push(example.value);
    }
  }
  return found;
}

const root = (pointer: string, schema: JsonObject, owner?: JsonObject): SchemaAt => ({
  pointer,
  schema,
  examples: [...examplesOf(schema), ...(owner ? examplesOf(owner) : [])],
  enclosing: [],
});

/** The schemas the document uses directly: components, and every `schema` of a parameter, body or header. */
export function rootSchemas(document: JsonObject): SchemaAt[] {
  const roots: SchemaAt[] = [];
  const components = isObject(document.components) ? document.components : {};
  if (isObject(components.schemas)) {
    for (const [name, schema] of Object.entries(components.schemas)) {
      if (isObject(schema)) roots.push(root(at("/components/schemas", name), schema));
    }
  }
  const visit = (node: unknown, pointer: string) => {
    if (Array.isArray(node)) {
      for (const [i, item] of node.entries()) visit(item, at(pointer, i));
      return;
    }
    if (!isObject(node)) return;
    for (const [key, value] of Object.entries(node)) {
      if (key === "example" || key === "examples") continue;
      if (pointer === "/components" && key === "schemas") continue;
      if (key === "schema" && isObject(value)) roots.push(root(at(pointer, key), value, node));
      else visit(value, at(pointer, key));
    }
  };
  visit(document, "");
  return roots;
}

const defined = (values: unknown[]) => values.filter((value) => value !== undefined);
const objects = (values: unknown[]) => values.filter(isObject);
const arrays = (values: unknown[]) => values.filter((value): value is unknown[] => Array.isArray(value));

/** What `values`, examples of a schema, hold where its subschema `key` (`name`) applies. */
function examplesInside(values: unknown[], key: string, name: string | number): unknown[] {
  switch (key) {
    case "properties":
      return defined(objects(values).map((value) => value[name]));
    case "additionalProperties":
    case "patternProperties":
      return objects(values).flatMap((value) => Object.values(value));
    case "items":
      return arrays(values).flat();
    case "prefixItems":
      return defined(arrays(values).map((value) => value[Number(name)]));
    case "allOf":
    case "anyOf":
    case "oneOf":
      return values;
    default:
      return [];
  }
}

/** Every schema object under `found`, itself included. */
export function allSchemas(found: SchemaAt): SchemaAt[] {
  const { schema, pointer } = found;
  const here = [...found.examples, ...found.enclosing];
  const children: SchemaAt[] = [];
  const add = (key: string, name: string | number, sub: unknown) => {
    if (!isObject(sub)) return;
    const pointerOfSub = name === "" ? at(pointer, key) : at(pointer, key, name);
    const enclosing = examplesInside(here, key, name);
    children.push(
      ...allSchemas({ pointer: pointerOfSub, schema: sub, examples: examplesOf(sub), enclosing }),
    );
  };
  for (const key of SUBSCHEMA) add(key, "", schema[key]);
  for (const key of SUBSCHEMA_LISTS) {
    const list = schema[key];
    if (Array.isArray(list)) for (const [i, sub] of list.entries()) add(key, i, sub);
  }
  for (const key of SUBSCHEMA_MAPS) {
    const map = schema[key];
    if (isObject(map)) for (const [name, sub] of Object.entries(map)) add(key, name, sub);
  }
  return [found, ...children];
}
