/** ObjectMeta rules the real API server applies on create: names, generateName, timestamps. */
import { randomBytes } from "node:crypto";
import type { KubeObject, ResourceDef } from "./registry.ts";
import { errors } from "./status.ts";

const DNS_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
// The alphabet of k8s.io/apimachinery/pkg/util/rand: no vowels, no confusable digits.
const SUFFIX_ALPHABET = "bcdfghjklmnpqrstvwxz2456789";

/** `name` or `generateName` + 5 random characters, as SimpleNameGenerator does. */
export function resolveName(def: ResourceDef, obj: KubeObject): string {
  const { name, generateName } = obj.metadata;
  if (name) return name;
  if (generateName) {
    const bytes = randomBytes(5);
    let suffix = "";
    for (const b of bytes) suffix += SUFFIX_ALPHABET[b % SUFFIX_ALPHABET.length];
    return `${generateName.slice(0, 58)}${suffix}`;
  }
  throw errors.invalid(def.kind, "", [
    {
      reason: "FieldValueRequired",
      message: "Required value: name or generateName is required",
      field: "metadata.name",
    },
  ]);
}

export function validateName(def: ResourceDef, name: string): void {
  if (name.length <= 253 && DNS_SUBDOMAIN.test(name)) return;
  throw errors.invalid(def.kind, name, [
    {
      reason: "FieldValueInvalid",
      message:
        `Invalid value: "${name}": a lowercase RFC 1123 subdomain must consist of lower case alphanumeric ` +
        "characters, '-' or '.', and must start and end with an alphanumeric character",
      field: "metadata.name",
    },
  ]);
}

/** RFC 3339 with second precision, the wire format of metav1.Time. */
export function kubeTime(date: Date): string {
  return date.toISOString().replace(/\.\d{3}Z$/, "Z");
}

/** Everything that is neither metadata nor status: a change here bumps metadata.generation. */
export function specOf(obj: KubeObject): Record<string, unknown> {
  const { metadata: _m, status: _s, apiVersion: _a, kind: _k, ...rest } = obj;
  return rest;
}
