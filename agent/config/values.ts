/**
 * Zod schemas for single agent config values. Each takes the raw string (from
 * a flag or an environment variable) and yields the typed value. Messages never
 * quote the input: some of these strings are secrets, and the operator knows
 * what they typed.
 */
import { z } from "zod";
import { LOG_LEVELS, type LogLevel } from "../../shared/logger.ts";

export interface ListenAddress {
  host: string;
  port: number;
}

const DNS1123_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
/** The name part of a Kubernetes label key (after the optional "prefix/"). */
const LABEL_NAME = /^[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$/;
const DURATION_PART = /(\d+(?:\.\d+)?)(ms|s|m|h)/g;
const UNIT_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

/** Go-style durations ("500ms", "5s", "1m30s"), because that is what Kubernetes users write. */
export function parseDurationMs(text: string): number | undefined {
  if (!/^(\d+(?:\.\d+)?(ms|s|m|h))+$/.test(text)) return undefined;
  let total = 0;
  for (const [, amount, unit] of text.matchAll(DURATION_PART))
    total += Number(amount) * UNIT_MS[unit ?? "s"]!;
  return Math.round(total);
}

export function formatDurationMs(ms: number): string {
  return ms % 1000 === 0 ? `${ms / 1000}s` : `${ms}ms`;
}

/** "host:port", "[v6]:port" or ":port" (all interfaces). Port 0 asks the OS for a free port. */
export function parseListenAddress(text: string): ListenAddress | undefined {
  const match = /^(?:\[([0-9a-fA-F:.]+)\]|([^\s:[\]]*)):(\d{1,5})$/.exec(text);
  if (!match) return undefined;
  const port = Number(match[3]);
  if (port > 65_535) return undefined;
  return { host: match[1] ?? (match[2] || "0.0.0.0"), port };
}

export function formatListenAddress(address: ListenAddress): string {
  return address.host.includes(":") ? `[${address.host}]:${address.port}` : `${address.host}:${address.port}`;
}

function isDns1123Subdomain(text: string): boolean {
  return (
    text.length <= 253 && text.split(".").every((label) => label.length <= 63 && DNS1123_LABEL.test(label))
  );
}

/** A Kubernetes label key: `[prefix/]name`, prefix a DNS-1123 subdomain, name at most 63 characters. */
export function isLabelKey(text: string): boolean {
  const slash = text.lastIndexOf("/");
  const prefix = slash === -1 ? null : text.slice(0, slash);
  const name = text.slice(slash + 1);
  if (prefix !== null && (prefix === "" || !isDns1123Subdomain(prefix))) return false;
  return name.length <= 63 && LABEL_NAME.test(name);
}

const REQUIRED = { error: "is required" };

export const controlPlaneUrlSchema = z
  .string(REQUIRED)
  .refine((text) => URL.canParse(text) && /^https?:$/.test(new URL(text).protocol), {
    error: "must be an http(s) URL",
  })
  .refine((text) => !URL.canParse(text) || (new URL(text).username === "" && new URL(text).password === ""), {
    error: "must not contain credentials; the agent authenticates with its registration token",
  })
  .transform((text) => text.replace(/\/+$/, ""));

export const dnsLabelSchema = z
  .string(REQUIRED)
  .refine((text) => text.length <= 63 && DNS1123_LABEL.test(text), {
    error: "must be a DNS-1123 label (lowercase letters, digits and '-', at most 63 characters)",
  });

export const dnsSubdomainSchema = z.string(REQUIRED).refine(isDns1123Subdomain, {
  error: "must be a DNS-1123 subdomain (lowercase letters, digits, '-' and '.', at most 253 characters)",
});

export const labelKeySchema = z.string(REQUIRED).refine(isLabelKey, {
  error: "must be a Kubernetes label key such as nvidia.com/gpu.product",
});

export const pathSchema = z
  .string(REQUIRED)
  .refine((text) => !/[\0\n]/.test(text), { error: "must be a file path" });

export const secretTokenSchema = z
  .string(REQUIRED)
  .refine((text) => /^\S{8,4096}$/.test(text.trim()), {
    error: "must be a single token of 8 to 4096 characters without spaces",
  })
  .transform((text) => text.trim());

export const podNameSchema = z.string(REQUIRED).refine((text) => text.length <= 253 && /^\S+$/.test(text), {
  error: "must be a non-empty name without spaces",
});

export const listenSchema = z.string(REQUIRED).transform((text, ctx) => {
  const address = parseListenAddress(text);
  if (address) return address;
  ctx.addIssue({ code: "custom", message: "must be host:port, e.g. 0.0.0.0:8086 or [::]:8086" });
  return z.NEVER;
});

export const syncIntervalSchema = z
  .string(REQUIRED)
  .transform((text, ctx) => {
    const ms = parseDurationMs(text);
    if (ms !== undefined) return ms;
    ctx.addIssue({ code: "custom", message: 'must be a duration such as "5s", "1m30s" or "1500ms"' });
    return z.NEVER;
  })
  .pipe(z.number().min(1000, { error: "must be at least 1s" }));

/** Each push lists every pod of the cluster: not more often than every 10 s, never so rarely that the figures go stale. */
export const snapshotIntervalSchema = z
  .string(REQUIRED)
  .transform((text, ctx) => {
    const ms = parseDurationMs(text);
    if (ms !== undefined) return ms;
    ctx.addIssue({ code: "custom", message: 'must be a duration such as "5m" or "30s"' });
    return z.NEVER;
  })
  .pipe(
    z.number().min(10_000, { error: "must be at least 10s" }).max(3_600_000, { error: "must be at most 1h" }),
  );

export const HOST_KEY_POLICIES = ["pin-on-first-use", "require-known"] as const;

export const hostKeyPolicySchema = z.enum(HOST_KEY_POLICIES, {
  error: `must be one of ${HOST_KEY_POLICIES.join(", ")}`,
});

export const concurrencySchema = z
  .string(REQUIRED)
  .refine((text) => /^\d{1,4}$/.test(text) && Number(text) >= 1 && Number(text) <= 1000, {
    error: "must be a whole number from 1 to 1000",
  })
  .transform(Number);

/** host:port as kubeadm takes it: a DNS name or IPv4 address, or an IPv6 address in brackets. */
export const apiEndpointSchema = z
  .string(REQUIRED)
  .refine(
    (text) =>
      /^(\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9.-]+):\d{1,5}$/.test(text) && Number(text.split(":").pop()) <= 65_535,
    {
      error: "must be host:port, e.g. 10.0.0.1:6443 or [fd00::1]:6443",
    },
  );

export const caCertHashSchema = z
  .string(REQUIRED)
  .refine((text) => /^sha256:[0-9A-Fa-f]{64}$/.test(text), { error: "must be sha256: and 64 hex digits" })
  .transform((text) => text.toLowerCase());

export const tokenTtlSchema = z
  .string(REQUIRED)
  .transform((text, ctx) => {
    const ms = parseDurationMs(text);
    if (ms !== undefined) return ms;
    ctx.addIssue({ code: "custom", message: 'must be a duration such as "1h" or "30m"' });
    return z.NEVER;
  })
  .pipe(
    z
      .number()
      .min(60_000, { error: "must be at least 1m" })
      .max(24 * 3_600_000, { error: "must be at most 24h" }),
  );

/**
 * How long a stopping agent lets operations in flight finish before it aborts
 * them (their write-ahead status lets the next leader resume them). Kept
 * below the pod's terminationGracePeriodSeconds (30 s in infra/agent), which
 * also has to cover releasing the Lease.
 */
export const shutdownGraceSchema = z
  .string(REQUIRED)
  .transform((text, ctx) => {
    const ms = parseDurationMs(text);
    if (ms !== undefined) return ms;
    ctx.addIssue({ code: "custom", message: 'must be a duration such as "20s" or "0s"' });
    return z.NEVER;
  })
  .pipe(z.number().min(0).max(600_000, { error: "must be at most 10m" }));

/** Leader-election timings; how they relate to each other is checked once all three are parsed. */
export const leaseTimingSchema = z
  .string(REQUIRED)
  .transform((text, ctx) => {
    const ms = parseDurationMs(text);
    if (ms !== undefined) return ms;
    ctx.addIssue({ code: "custom", message: 'must be a duration such as "15s" or "500ms"' });
    return z.NEVER;
  })
  .pipe(
    z.number().min(100, { error: "must be at least 100ms" }).max(600_000, { error: "must be at most 10m" }),
  );

/** The Lease stores its duration in whole seconds. */
export const leaseDurationSchema = leaseTimingSchema.pipe(
  z.number().refine((ms) => ms >= 1000 && ms % 1000 === 0, { error: "must be whole seconds, at least 1s" }),
);

export const logLevelSchema = z.enum(LOG_LEVELS as [LogLevel, ...LogLevel[]], {
  error: `must be one of ${LOG_LEVELS.join(", ")}`,
});
