/**
 * The template node as CA sees it, and the checks CA's scale-up simulation
 * relies on. Current CA (≥ 1.35) unmarshals `nodeBytes` as a plain v1.Node;
 * CA ≤ 1.34.1 receives the same message embedded as `nodeInfo`, which
 * proto-loader has already decoded with the reference Kubernetes protos. Both
 * become one `TemplateNode`, so one check covers every CA version.
 */
import { k8sNodeMessageType } from "../reference-protos.ts";

export interface TemplateNode {
  name: string;
  labels: Record<string, string>;
  annotations: Record<string, string>;
  providerId: string;
  taints: { key: string; value: string; effect: string }[];
  capacity: Record<string, string>;
  allocatable: Record<string, string>;
  conditions: { type: string; status: string; reason: string; message: string }[];
}

export const GPU_RESOURCE = "nvidia.com/gpu";
export const POOL_LABEL = "kube-static-pool.io/pool";
const REQUIRED_RESOURCES = ["cpu", "memory", "ephemeral-storage", "pods"] as const;
const TAINT_EFFECTS = new Set(["NoSchedule", "PreferNoSchedule", "NoExecute"]);

// biome-ignore lint/suspicious/noExplicitAny: decoded protobuf objects are untyped by nature.
type Decoded = any;

const stringMap = (m: Decoded): Record<string, string> => ({ ...(m ?? {}) });
const quantityMap = (m: Decoded): Record<string, string> =>
  Object.fromEntries(Object.entries(m ?? {}).map(([k, q]) => [k, String((q as Decoded)?.string ?? "")]));

/** Normalises a decoded v1.Node (protobufjs or proto-loader object) into a TemplateNode. */
export function templateNodeFromObject(node: Decoded): TemplateNode {
  const meta = node?.metadata ?? {};
  const spec = node?.spec ?? {};
  const status = node?.status ?? {};
  return {
    name: meta.name ?? "",
    labels: stringMap(meta.labels),
    annotations: stringMap(meta.annotations),
    providerId: spec.providerID ?? "",
    taints: (spec.taints ?? []).map((t: Decoded) => ({
      key: t.key ?? "",
      value: t.value ?? "",
      effect: t.effect ?? "",
    })),
    capacity: quantityMap(status.capacity),
    allocatable: quantityMap(status.allocatable),
    conditions: (status.conditions ?? []).map((c: Decoded) => ({
      type: c.type ?? "",
      status: c.status ?? "",
      reason: c.reason ?? "",
      message: c.message ?? "",
    })),
  };
}

/** `v1.Node#Unmarshal(nodeBytes)`: throws on bytes Go would reject (e.g. the API server's `k8s\0` envelope). */
export function decodeNodeBytes(bytes: Uint8Array): TemplateNode {
  const type = k8sNodeMessageType();
  const message = type.decode(bytes);
  return templateNodeFromObject(type.toObject(message, { longs: String, enums: String, defaults: false }));
}

const QUANTITY = /^([+-]?(?:\d+(?:\.\d*)?|\.\d+))(?:([eE][+-]?\d+)|(Ki|Mi|Gi|Ti|Pi|Ei|n|u|m|k|M|G|T|P|E))?$/;
const SUFFIX: Record<string, number> = {
  n: 1e-9,
  u: 1e-6,
  m: 1e-3,
  k: 1e3,
  M: 1e6,
  G: 1e9,
  T: 1e12,
  P: 1e15,
  E: 1e18,
  Ki: 2 ** 10,
  Mi: 2 ** 20,
  Gi: 2 ** 30,
  Ti: 2 ** 40,
  Pi: 2 ** 50,
  Ei: 2 ** 60,
};

/** A Kubernetes quantity string as a number ("100m" → 0.1, "16Gi" → 17179869184); NaN when malformed. */
export function parseQuantity(text: string): number {
  const match = QUANTITY.exec(text.trim());
  if (!match) return Number.NaN;
  const base = Number(match[1]);
  if (match[2]) return base * 10 ** Number(match[2].slice(1));
  return match[3] ? base * SUFFIX[match[3]]! : base;
}

export interface TemplateExpectations {
  /** node group id = pool name; the pool label must carry it */
  pool: string;
  arch?: string;
  zone?: string;
  region?: string;
  /** when the pool has GPUs: the GPU label (from GPULabel), its value and the count */
  gpu?: { label: string; type: string; count: number };
  /** exact taints, when the caller knows them */
  taints?: { key: string; value?: string; effect: string }[];
  /** exact capacity quantities (parsed, compared numerically), when the caller knows them */
  capacity?: Partial<Record<string, string>>;
}

/**
 * Everything that would make CA's simulation wrong about a new node of this
 * group; empty when the template is sound.
 */
export function templateNodeProblems(node: TemplateNode, expected: TemplateExpectations): string[] {
  const problems: string[] = [];
  const label = (key: string, want?: string) => {
    const got = node.labels[key];
    if (!got) problems.push(`label ${key} missing`);
    else if (want !== undefined && got !== want) problems.push(`label ${key}=${got}, want ${want}`);
  };
  if (!node.name) problems.push("metadata.name empty");
  label("kubernetes.io/os", "linux");
  label("kubernetes.io/arch", expected.arch);
  label("kubernetes.io/hostname", node.name);
  label("topology.kubernetes.io/zone", expected.zone);
  label("topology.kubernetes.io/region", expected.region);
  label(POOL_LABEL, expected.pool);
  if (expected.gpu) label(expected.gpu.label, expected.gpu.type);

  for (const taint of node.taints) {
    if (!taint.key || !TAINT_EFFECTS.has(taint.effect))
      problems.push(`malformed taint ${JSON.stringify(taint)}`);
  }
  if (expected.taints) {
    const got = node.taints.map((t) => `${t.key}=${t.value}:${t.effect}`).sort();
    const want = expected.taints.map((t) => `${t.key}=${t.value ?? ""}:${t.effect}`).sort();
    if (got.join(",") !== want.join(",")) problems.push(`taints [${got}], want [${want}]`);
  }

  const resources = [...REQUIRED_RESOURCES, ...(expected.gpu ? [GPU_RESOURCE] : [])];
  for (const resource of resources) {
    // a node without disk figures may declare 0 storage (pods asking for some then never fit); the rest must be > 0
    const least = resource === "ephemeral-storage" ? 0 : Number.MIN_VALUE;
    const capacity = parseQuantity(node.capacity[resource] ?? "");
    const allocatable = parseQuantity(node.allocatable[resource] ?? "");
    if (!(capacity >= least)) problems.push(`capacity ${resource}=${node.capacity[resource] ?? "(missing)"}`);
    if (!(allocatable >= least)) {
      problems.push(`allocatable ${resource}=${node.allocatable[resource] ?? "(missing)"}`);
    }
    if (allocatable > capacity) problems.push(`allocatable ${resource} exceeds capacity`);
  }
  if (expected.gpu && parseQuantity(node.capacity[GPU_RESOURCE] ?? "") !== expected.gpu.count) {
    problems.push(`capacity ${GPU_RESOURCE}=${node.capacity[GPU_RESOURCE]}, want ${expected.gpu.count}`);
  }
  for (const [resource, want] of Object.entries(expected.capacity ?? {})) {
    if (want === undefined) continue;
    if (parseQuantity(node.capacity[resource] ?? "") !== parseQuantity(want)) {
      problems.push(`capacity ${resource}=${node.capacity[resource]}, want ${want}`);
    }
  }

  const ready = node.conditions.find((c) => c.type === "Ready");
  if (ready?.status !== "True")
    problems.push(`Ready condition ${ready ? ready.status : "missing"}, want True`);
  return problems;
}
