/**
 * The `values` each built-in pipeline reads, parsed and validated. Steps call
 * these on every run (cheap) so a bad value fails the first step that needs it
 * with a ValidationError naming the field, before anything reaches a host.
 */
import {
  type Endpoint,
  type Taint,
  ValidationError,
  validateBootstrapToken,
  validateCaCertHash,
  validateEndpoint,
  validateHostname,
  validateNodeLabels,
  validateNodeName,
  validateProviderId,
  validateTaints,
  validateText,
} from "../quote.ts";

/** The pool's hook scripts (AgentPool.hooks); null or "" means none. */
export interface Hooks {
  preJoin: string | null;
  postJoin: string | null;
  preReset: string | null;
  postReset: string | null;
}
export type HookName = keyof Hooks;

/** What hooks see (KSP_* environment variables); empty when unknown. */
export interface HookEnv {
  nodeName: string;
  providerId: string;
  apiEndpoint: string;
  pool: string;
  machineId: string;
}

/** Keys of the join values that hold secrets (Step.secrets). */
export const JOIN_SECRETS = ["token", "caCertHash"] as const;

/** kubeadm's config API for the JoinConfiguration; absent: chosen from the host's kubeadm version. */
export type KubeadmConfigVersion = "v1beta3" | "v1beta4";
const CONFIG_VERSIONS: readonly string[] = ["v1beta3", "v1beta4"];

export interface JoinInput {
  configVersion?: KubeadmConfigVersion;
  nodeName: string;
  providerId: string;
  endpoint: Endpoint;
  token: string;
  caCertHash: string;
  labels: Record<string, string>;
  taints: Taint[];
  hooks: Hooks;
  hookEnv: HookEnv;
}

const MAX_HOOK_LENGTH = 64 * 1024;

function optionalHook(value: unknown, field: string): string | null {
  if (value === undefined || value === null || value === "") return null;
  if (typeof value !== "string")
    throw new ValidationError(field, `invalid ${field}: must be shell script text`);
  if (value.length > MAX_HOOK_LENGTH || value.includes("\0")) {
    throw new ValidationError(field, `invalid ${field}: at most ${MAX_HOOK_LENGTH} characters, no NUL bytes`);
  }
  return value;
}

export function parseHooks(value: unknown): Hooks {
  if (value !== undefined && (value === null || typeof value !== "object" || Array.isArray(value))) {
    throw new ValidationError("hooks", "invalid hooks: must be {preJoin, postJoin, preReset, postReset}");
  }
  const h = (value ?? {}) as Record<string, unknown>;
  return {
    preJoin: optionalHook(h.preJoin, "hooks.preJoin"),
    postJoin: optionalHook(h.postJoin, "hooks.postJoin"),
    preReset: optionalHook(h.preReset, "hooks.preReset"),
    postReset: optionalHook(h.postReset, "hooks.postReset"),
  };
}

const optional = <T>(value: unknown, parse: (v: unknown) => T): T | undefined =>
  value === undefined || value === null ? undefined : parse(value);

function hookEnv(values: Readonly<Record<string, unknown>>, known: Partial<HookEnv>): HookEnv {
  return {
    nodeName: known.nodeName ?? optional(values.nodeName, (v) => validateNodeName(v)) ?? "",
    providerId: known.providerId ?? optional(values.providerId, (v) => validateProviderId(v)) ?? "",
    apiEndpoint: known.apiEndpoint ?? optional(values.apiEndpoint, (v) => validateEndpoint(v).text) ?? "",
    pool: optional(values.poolName, (v) => validateText(v, "poolName", 253)) ?? "",
    machineId: optional(values.machineId, (v) => validateText(v, "machineId", 253)) ?? "",
  };
}

export function parseJoinInput(values: Readonly<Record<string, unknown>>): JoinInput {
  const nodeName = validateNodeName(values.nodeName);
  const providerId = validateProviderId(values.providerId);
  const endpoint = validateEndpoint(values.apiEndpoint);
  const configVersion = optional(values.kubeadmConfigVersion, (v) => {
    if (typeof v !== "string" || !CONFIG_VERSIONS.includes(v)) {
      throw new ValidationError("kubeadmConfigVersion", "invalid kubeadmConfigVersion: v1beta3 or v1beta4");
    }
    return v as KubeadmConfigVersion;
  });
  return {
    ...(configVersion === undefined ? {} : { configVersion }),
    nodeName,
    providerId,
    endpoint,
    token: validateBootstrapToken(values.token),
    caCertHash: validateCaCertHash(values.caCertHash),
    labels: validateNodeLabels(values.labels),
    taints: validateTaints(values.taints),
    hooks: parseHooks(values.hooks),
    hookEnv: hookEnv(values, { nodeName, providerId, apiEndpoint: endpoint.text }),
  };
}

export interface ResetInput {
  hooks: Hooks;
  hookEnv: HookEnv;
}

export function parseResetInput(values: Readonly<Record<string, unknown>>): ResetInput {
  return { hooks: parseHooks(values.hooks), hookEnv: hookEnv(values, {}) };
}

export interface PrepareInput {
  /** set the hostname to this; absent leaves it alone */
  hostname?: string;
}

export function parsePrepareInput(values: Readonly<Record<string, unknown>>): PrepareInput {
  const hostname = optional(values.hostname, (v) => validateHostname(v));
  return hostname === undefined ? {} : { hostname };
}
