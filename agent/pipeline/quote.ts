/**
 * Shell quoting and the strict validators for every value the built-in
 * pipelines put into a script or a kubeadm config. A value either matches a
 * narrow pattern or is refused with a PreconditionError naming the field;
 * nothing is trimmed, dropped or "fixed up" silently.
 */
import { isIPv4, isIPv6 } from "node:net";
import { PreconditionError } from "./errors.ts";

/** A pipeline input that does not match its pattern; `field` names it. Never retried. */
export class ValidationError extends PreconditionError {
  readonly field: string;
  constructor(field: string, message: string) {
    super(message);
    this.name = "ValidationError";
    this.field = field;
  }
}

/** POSIX single-quoting: the shell reads everything inside literally, `'` is closed, escaped and reopened. */
export function shq(value: string, field = "value"): string {
  if (value.includes("\0")) throw invalid(field, value, "contains a NUL byte");
  return `'${value.replaceAll("'", `'\\''`)}'`;
}

function invalid(field: string, value: unknown, reason: string, secret = false): ValidationError {
  const shown = secret ? "" : ` ${JSON.stringify(String(value)).slice(0, 80)}`;
  return new ValidationError(field, `invalid ${field}${shown}: ${reason}`);
}

function requireString(value: unknown, field: string, secret = false): string {
  if (typeof value !== "string") throw invalid(field, typeof value, "must be a string", secret);
  return value;
}

const DNS_LABEL = /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/;
const isSubdomain = (v: string) => v.length <= 253 && v.split(".").every((label) => DNS_LABEL.test(label));

/** A lowercase RFC 1123 subdomain, as Kubernetes requires for node names. */
export function validateNodeName(value: unknown, field = "nodeName"): string {
  const v = requireString(value, field);
  if (!isSubdomain(v)) throw invalid(field, v, "must be a lowercase RFC 1123 subdomain (a-z 0-9 - .)");
  return v;
}

/** A hostname the kernel accepts (≤ 64 characters) that is also a valid node name. */
export function validateHostname(value: unknown, field = "hostname"): string {
  const v = requireString(value, field);
  if (v.length > 64 || !isSubdomain(v)) {
    throw invalid(field, v, "must be a lowercase RFC 1123 hostname of at most 64 characters");
  }
  return v;
}

const LABEL_NAME = /^[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?$/;

export function validateLabelKey(value: unknown, field = "label key"): string {
  const v = requireString(value, field);
  const slash = v.indexOf("/");
  const prefix = slash >= 0 ? v.slice(0, slash) : null;
  const name = slash >= 0 ? v.slice(slash + 1) : v;
  if ((prefix !== null && !isSubdomain(prefix)) || !LABEL_NAME.test(name)) {
    throw invalid(field, v, "must be [prefix/]name with a DNS subdomain prefix and a 1-63 character name");
  }
  return v;
}

export function validateLabelValue(value: unknown, field = "label value"): string {
  const v = requireString(value, field);
  if (v !== "" && !LABEL_NAME.test(v)) {
    throw invalid(
      field,
      v,
      "must be empty or 1-63 characters of A-Z a-z 0-9 - _ . starting and ending alphanumeric",
    );
  }
  return v;
}

// The kubelet refuses to start with kubernetes.io / k8s.io labels outside these (NodeRestriction).
const KUBELET_LABELS = new Set([
  "kubernetes.io/hostname",
  "kubernetes.io/os",
  "kubernetes.io/arch",
  "beta.kubernetes.io/os",
  "beta.kubernetes.io/arch",
  "beta.kubernetes.io/instance-type",
  "node.kubernetes.io/instance-type",
  "topology.kubernetes.io/zone",
  "topology.kubernetes.io/region",
  "failure-domain.beta.kubernetes.io/zone",
  "failure-domain.beta.kubernetes.io/region",
]);
const KUBELET_NAMESPACES = ["kubelet.kubernetes.io", "node.kubernetes.io"];
const RESERVED_NAMESPACES = ["kubernetes.io", "k8s.io"];
const inNamespace = (prefix: string, ns: string) => prefix === ns || prefix.endsWith(`.${ns}`);

/** Whether the kubelet may set this label on its own Node (NodeRestriction); others need an API write. */
export function kubeletMaySetLabel(key: string): boolean {
  const prefix = key.includes("/") ? key.slice(0, key.indexOf("/")) : "";
  const reserved = RESERVED_NAMESPACES.some((ns) => inNamespace(prefix, ns));
  return !reserved || KUBELET_LABELS.has(key) || KUBELET_NAMESPACES.some((ns) => inNamespace(prefix, ns));
}

/** Labels the kubelet may set on its own Node through --node-labels. */
export function validateNodeLabels(value: unknown, field = "labels"): Record<string, string> {
  if (value === undefined) return {};
  if (value === null || typeof value !== "object" || Array.isArray(value)) {
    throw invalid(field, typeof value, "must be an object of label key to value");
  }
  const out: Record<string, string> = {};
  for (const [key, v] of Object.entries(value)) {
    validateLabelKey(key, `${field} key`);
    out[key] = validateLabelValue(v, `${field}[${JSON.stringify(key)}]`);
    if (!kubeletMaySetLabel(key)) {
      throw invalid(
        `${field} key`,
        key,
        "the kubelet may not set kubernetes.io/k8s.io labels outside its allowed set",
      );
    }
  }
  return out;
}

export const TAINT_EFFECTS = ["NoSchedule", "PreferNoSchedule", "NoExecute"] as const;
export interface Taint {
  key: string;
  value?: string;
  effect: (typeof TAINT_EFFECTS)[number];
}

export function validateTaints(value: unknown, field = "taints"): Taint[] {
  if (value === undefined) return [];
  if (!Array.isArray(value)) throw invalid(field, typeof value, "must be a list of taints");
  return value.map((raw: unknown, i): Taint => {
    const at = `${field}[${i}]`;
    if (raw === null || typeof raw !== "object")
      throw invalid(at, typeof raw, "must be {key, value?, effect}");
    const t = raw as Record<string, unknown>;
    const key = validateLabelKey(t.key, `${at}.key`);
    const effect = requireString(t.effect, `${at}.effect`);
    if (!(TAINT_EFFECTS as readonly string[]).includes(effect)) {
      throw invalid(`${at}.effect`, effect, `must be one of ${TAINT_EFFECTS.join(", ")}`);
    }
    const taint: Taint = { key, effect: effect as Taint["effect"] };
    if (t.value !== undefined && t.value !== null) taint.value = validateLabelValue(t.value, `${at}.value`);
    return taint;
  });
}

/** An absolute path of plain characters: no spaces, quotes, `..` segments or shell metacharacters. */
export function validateAbsolutePath(value: unknown, field = "path"): string {
  const v = requireString(value, field);
  if (!/^\/[A-Za-z0-9._+@/-]{0,4095}$/.test(v) || v.split("/").some((s) => s === "..")) {
    throw invalid(field, v, "must be an absolute path of A-Z a-z 0-9 . _ + @ - / without '..'");
  }
  return v;
}

/** kubeadm's bootstrap token format; the value is a secret and never shown in the error. */
export function validateBootstrapToken(value: unknown, field = "token"): string {
  const v = requireString(value, field, true);
  if (!/^[a-z0-9]{6}\.[a-z0-9]{16}$/.test(v))
    throw invalid(field, v, "must match [a-z0-9]{6}.[a-z0-9]{16}", true);
  return v;
}

/** `sha256:<64 hex>`, the discovery CA pin; normalised to lowercase hex. */
export function validateCaCertHash(value: unknown, field = "caCertHash"): string {
  const v = requireString(value, field, true);
  if (!/^sha256:[A-Fa-f0-9]{64}$/.test(v)) throw invalid(field, v, "must be sha256:<64 hex digits>", true);
  return v.toLowerCase();
}

export interface Endpoint {
  host: string;
  port: number;
  /** host:port, IPv6 in brackets, as kubeadm expects it */
  text: string;
}

/** `host:port` with a DNS name, an IPv4 address or a bracketed IPv6 address. */
export function validateEndpoint(value: unknown, field = "apiEndpoint"): Endpoint {
  const v = requireString(value, field);
  const m = /^(\[([0-9A-Fa-f:.]+)\]|[^:[\]]+):(\d{1,5})$/.exec(v);
  const host = m ? (m[2] ?? m[1] ?? "") : "";
  const port = m ? Number(m[3]) : 0;
  const hostOk = m?.[2] !== undefined ? isIPv6(host) : isIPv4(host) || isSubdomain(host);
  if (!m || !hostOk || port < 1 || port > 65535) {
    throw invalid(field, v, "must be host:port with a DNS name, IPv4 or [IPv6] host and a port 1-65535");
  }
  return { host, port, text: v };
}

/** `scheme://id` with no whitespace, quotes or commas (it goes into a kubelet flag). */
export function validateProviderId(value: unknown, field = "providerId"): string {
  const v = requireString(value, field);
  if (v.length > 512 || !/^[A-Za-z][A-Za-z0-9+.-]*:\/\/[A-Za-z0-9._~:/@%+=-]*$/.test(v)) {
    throw invalid(field, v, "must be scheme://id of URL-safe characters");
  }
  return v;
}

/** Free text for a hook's environment: anything printable; control characters (newlines too) are refused. */
export function validateText(value: unknown, field: string, maxLength = 1024): string {
  const v = requireString(value, field);
  // biome-ignore lint/suspicious/noControlCharactersInRegex: refusing control characters is the point
  if (v.length > maxLength || /[\x00-\x1f\x7f]/.test(v)) {
    throw invalid(field, v, `must be at most ${maxLength} characters without control characters`);
  }
  return v;
}
