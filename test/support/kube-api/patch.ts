/**
 * PATCH bodies: JSON merge patch (RFC 7386) and JSON patch (RFC 6902).
 * Strategic merge patch is served with merge-patch semantics: lists are
 * replaced wholesale instead of merged by key and `$patch` directives are not
 * interpreted. That is enough for labels, annotations, taints-as-a-whole and
 * `spec.unschedulable`, which is what the agent patches.
 */
import { errors } from "./status.ts";

export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

export const patchContentTypes = {
  json: "application/json-patch+json",
  merge: "application/merge-patch+json",
  strategic: "application/strategic-merge-patch+json",
} as const;

const isObject = (v: unknown): v is { [key: string]: Json } =>
  typeof v === "object" && v !== null && !Array.isArray(v);

export function deepEqual(a: unknown, b: unknown): boolean {
  return JSON.stringify(canonical(a)) === JSON.stringify(canonical(b));
}

function canonical(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(canonical);
  if (isObject(v)) {
    return Object.fromEntries(
      Object.keys(v)
        .sort()
        .map((k) => [k, canonical(v[k])]),
    );
  }
  return v;
}

export function mergePatch(target: Json, patch: Json): Json {
  if (!isObject(patch)) return structuredClone(patch);
  const result: { [key: string]: Json } = isObject(target) ? { ...target } : {};
  for (const [key, value] of Object.entries(patch)) {
    if (value === null) delete result[key];
    else result[key] = mergePatch(result[key] ?? null, value);
  }
  return result;
}

interface Operation {
  op: string;
  path: string;
  from?: string;
  value?: Json;
}

/** Pointers are applied under a synthetic `/root` so whole-document ops work; messages hide it. */
const shown = (pointer: string) => pointer.slice("/root".length);

function parsePointer(pointer: string): string[] {
  if (pointer === "") return [];
  if (!pointer.startsWith("/")) throw errors.badRequest(`invalid JSON pointer: ${JSON.stringify(pointer)}`);
  return pointer
    .slice(1)
    .split("/")
    .map((t) => t.replace(/~1/g, "/").replace(/~0/g, "~"));
}

function decodeOperations(patch: unknown): Operation[] {
  if (!Array.isArray(patch)) throw errors.badRequest("json patch must be an array of operations");
  return patch.map((raw) => {
    if (!isObject(raw) || typeof raw.op !== "string" || typeof raw.path !== "string") {
      throw errors.badRequest(`invalid json patch operation: ${JSON.stringify(raw)}`);
    }
    for (const pointer of [raw.path, raw.from]) {
      if (typeof pointer === "string" && pointer !== "" && !pointer.startsWith("/")) {
        throw errors.badRequest(`invalid JSON pointer: ${JSON.stringify(pointer)}`);
      }
    }
    if (!["add", "remove", "replace", "move", "copy", "test"].includes(raw.op)) {
      throw errors.badRequest(`Unexpected kind: ${raw.op}`);
    }
    return raw as unknown as Operation;
  });
}

/** Parent container and final token of a pointer, or a 422 when the parent is missing. */
function locate(
  doc: Json,
  pointer: string,
  op: string,
): { parent: Json[] | { [key: string]: Json }; key: string } {
  const tokens = parsePointer(pointer);
  const key = tokens.pop();
  if (key === undefined) throw errors.unprocessable(`${op} operation on the document root is not supported`);
  let cur: Json = doc;
  for (const token of tokens) {
    const next: Json | undefined = Array.isArray(cur)
      ? cur[Number(token)]
      : isObject(cur)
        ? cur[token]
        : undefined;
    if (next === undefined)
      throw errors.unprocessable(`${op} operation does not apply: doc is missing path: ${shown(pointer)}`);
    cur = next;
  }
  if (!Array.isArray(cur) && !isObject(cur)) {
    throw errors.unprocessable(`${op} operation does not apply: doc is missing path: ${shown(pointer)}`);
  }
  return { parent: cur, key };
}

function arrayIndex(arr: Json[], key: string, allowEnd: boolean, pointer: string): number {
  if (allowEnd && key === "-") return arr.length;
  const index = Number(key);
  const max = allowEnd ? arr.length : arr.length - 1;
  if (!/^\d+$/.test(key) || index > max)
    throw errors.unprocessable(`Unable to access invalid index: ${shown(pointer)}`);
  return index;
}

function read(doc: Json, pointer: string, op: string): Json {
  const { parent, key } = locate(doc, pointer, op);
  const value = Array.isArray(parent) ? parent[arrayIndex(parent, key, false, pointer)] : parent[key];
  if (value === undefined)
    throw errors.unprocessable(`${op} operation does not apply: doc is missing key: ${shown(pointer)}`);
  return value;
}

function add(doc: Json, pointer: string, value: Json): void {
  const { parent, key } = locate(doc, pointer, "add");
  if (Array.isArray(parent)) parent.splice(arrayIndex(parent, key, true, pointer), 0, value);
  else parent[key] = value;
}

function remove(doc: Json, pointer: string, op: string): Json {
  const value = read(doc, pointer, op);
  const { parent, key } = locate(doc, pointer, op);
  if (Array.isArray(parent)) parent.splice(Number(key), 1);
  else delete parent[key];
  return value;
}

/** Applies RFC 6902 operations to a copy of `target`; bad patches are 400, failed ops 422. */
export function jsonPatch(target: Json, patch: unknown): Json {
  const ops = decodeOperations(patch);
  const doc = { root: structuredClone(target) } as { [key: string]: Json };
  const at = (p: string) => `/root${p}`;
  for (const o of ops) {
    switch (o.op) {
      case "add":
        add(doc, at(o.path), structuredClone(o.value ?? null));
        break;
      case "remove":
        remove(doc, at(o.path), "remove");
        break;
      case "replace":
        remove(doc, at(o.path), "replace");
        add(doc, at(o.path), structuredClone(o.value ?? null));
        break;
      case "move":
        add(doc, at(o.path), remove(doc, at(o.from ?? ""), "move"));
        break;
      case "copy":
        add(doc, at(o.path), structuredClone(read(doc, at(o.from ?? ""), "copy")));
        break;
      case "test": {
        const actual = read(doc, at(o.path), "test");
        if (!deepEqual(actual, o.value ?? null)) {
          throw errors.unprocessable(`testing value ${o.path} failed: test failed`);
        }
        break;
      }
    }
  }
  return doc.root ?? null;
}
