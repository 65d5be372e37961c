/**
 * Small readers for kubeconfig fields. Every refusal names the field (and the
 * entry it sits in) but never its value: the value may be a credential.
 */
import { AppError } from "../errors.ts";
import { decodeBase64Text } from "./input-text.ts";

export type YamlMap = Record<string, unknown>;

/** How to make a kubeconfig this control plane accepts; repeated in refusals where it helps. */
export const FLATTEN_HINT =
  "export a self-contained one with `kubectl config view --raw --flatten --minify` (add --context NAME to pick a context)";

export function refuse(message: string, path?: string): AppError {
  return new AppError("validation_failed", `kubeconfig: ${message}`, {
    field: "kubeconfig",
    ...(path ? { path } : {}),
  });
}

export function isMap(value: unknown): value is YamlMap {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** `clusters["prod"].cluster`, as a reader looks for it; names are clipped, they are not secrets. */
export function entryPath(list: string, name: string, inner?: string): string {
  const shown = name.length > 64 ? `${name.slice(0, 64)}…` : name;
  return `${list}[${JSON.stringify(shown)}]${inner ? `.${inner}` : ""}`;
}

/** A present field must be a string; "" counts as absent, as kubectl reads it. */
export function optionalString(map: YamlMap, key: string, where: string): string | undefined {
  const value = map[key];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== "string") throw refuse(`${where}.${key} must be a string`, `${where}.${key}`);
  return value === "" ? undefined : value;
}

export function optionalBoolean(map: YamlMap, key: string, where: string): boolean {
  const value = map[key];
  if (value === undefined || value === null) return false;
  if (typeof value !== "boolean") throw refuse(`${where}.${key} must be true or false`, `${where}.${key}`);
  return value;
}

/** Fields that name files on the machine kubectl ran on: the control plane has no such files. */
export function refuseFilePath(map: YamlMap, key: string, dataKey: string | null, where: string): void {
  if (map[key] === undefined || map[key] === null || map[key] === "") return;
  const instead = dataKey ? `inline it as ${dataKey}: ` : "";
  throw refuse(
    `${where}.${key} names a file, which the control plane cannot read; ${instead}${FLATTEN_HINT}`,
    `${where}.${key}`,
  );
}

/** A `*-data` field: base64 of PEM holding `label` (e.g. "CERTIFICATE", "PRIVATE KEY"). */
export function pemData(map: YamlMap, key: string, label: string, where: string): string | undefined {
  const encoded = optionalString(map, key, where);
  if (encoded === undefined) return undefined;
  const pem = decodeBase64Text(encoded);
  if (pem === undefined) throw refuse(`${where}.${key} is not base64`, `${where}.${key}`);
  if (!new RegExp(`-----BEGIN [A-Z ]*${label}-----`).test(pem)) {
    throw refuse(`${where}.${key} is not the base64 of a PEM ${label.toLowerCase()}`, `${where}.${key}`);
  }
  return pem;
}
