/**
 * The resources the stand-in serves, with the per-resource behaviour the real
 * registry (pkg/registry/...) hard-codes: scope, status subresource, status
 * reset on create, supported field selectors, and what DELETE returns.
 */
import type { KubeObject } from "./kube-object.ts";
import { normalizeLease } from "./lease.ts";
import type { GroupResource } from "./status.ts";

export type { KubeObject, ObjectMeta } from "./kube-object.ts";

export type FieldGetter = (obj: KubeObject) => string;

export interface ResourceDef extends GroupResource {
  version: string;
  kind: string;
  namespaced: boolean;
  /** Has a `/status` subresource: the main endpoint ignores status changes, `/status` ignores the rest. */
  hasStatus: boolean;
  shortNames: string[];
  /** Field selectors beyond metadata.name / metadata.namespace. */
  fields: Record<string, FieldGetter>;
  /** The status the real strategy's PrepareForCreate installs, if it resets it. */
  initialStatus?: () => Record<string, unknown>;
  /** Pods return the deleted object from DELETE; most resources return a Status. */
  returnsDeletedObject: boolean;
  /** What decoding does to every written object before it is stored (create, update, patch). */
  normalize?: (obj: KubeObject) => void;
  /** false: a PUT must carry metadata.resourceVersion (the strategy's AllowUnconditionalUpdate). Default true. */
  unconditionalUpdate?: boolean;
}

export function apiVersionOf(def: ResourceDef): string {
  return def.group ? `${def.group}/${def.version}` : def.version;
}

function path(obj: KubeObject, ...keys: string[]): unknown {
  let cur: unknown = obj;
  for (const key of keys) {
    if (cur === null || typeof cur !== "object") return undefined;
    cur = (cur as Record<string, unknown>)[key];
  }
  return cur;
}

const str =
  (...keys: string[]): FieldGetter =>
  (obj) => {
    const v = path(obj, ...keys);
    return v === undefined || v === null ? "" : String(v);
  };

const core = { group: "", version: "v1" };

/** A Secret's write-only `stringData` is merged into `data` (base64) on decode and never stored. */
function foldStringData(obj: KubeObject): void {
  const { stringData } = obj as { stringData?: Record<string, string> | null };
  if (stringData === undefined) return;
  delete obj.stringData;
  if (stringData === null) return;
  const data = { ...((obj.data as Record<string, string> | undefined) ?? {}) };
  for (const [key, value] of Object.entries(stringData))
    data[key] = Buffer.from(String(value)).toString("base64");
  obj.data = data;
}

export const resources = {
  namespaces: {
    ...core,
    resource: "namespaces",
    kind: "Namespace",
    namespaced: false,
    hasStatus: true,
    shortNames: ["ns"],
    fields: { "status.phase": str("status", "phase") },
    initialStatus: () => ({ phase: "Active" }),
    returnsDeletedObject: true,
  },
  nodes: {
    ...core,
    resource: "nodes",
    kind: "Node",
    namespaced: false,
    hasStatus: true,
    shortNames: ["no"],
    // An unset bool selects as "false", as the real node field-set builder does.
    fields: { "spec.unschedulable": (o) => String(path(o, "spec", "unschedulable") === true) },
    returnsDeletedObject: false,
  },
  pods: {
    ...core,
    resource: "pods",
    kind: "Pod",
    namespaced: true,
    hasStatus: true,
    shortNames: ["po"],
    fields: {
      "spec.nodeName": str("spec", "nodeName"),
      "spec.restartPolicy": str("spec", "restartPolicy"),
      "spec.schedulerName": str("spec", "schedulerName"),
      "spec.serviceAccountName": str("spec", "serviceAccountName"),
      "spec.hostNetwork": (o) => String(path(o, "spec", "hostNetwork") === true),
      "status.phase": str("status", "phase"),
      "status.podIP": str("status", "podIP"),
      "status.nominatedNodeName": str("status", "nominatedNodeName"),
    },
    initialStatus: () => ({ phase: "Pending" }),
    returnsDeletedObject: true,
  },
  secrets: {
    ...core,
    resource: "secrets",
    kind: "Secret",
    namespaced: true,
    hasStatus: false,
    shortNames: [],
    fields: { type: str("type") },
    returnsDeletedObject: false,
    normalize: foldStringData,
  },
  configmaps: {
    ...core,
    resource: "configmaps",
    kind: "ConfigMap",
    namespaced: true,
    hasStatus: false,
    shortNames: ["cm"],
    fields: {},
    returnsDeletedObject: false,
  },
  // core/v1 Events, what `kubectl describe` lists; a cluster-scoped object's (a Node's) live in "default"
  events: {
    ...core,
    resource: "events",
    kind: "Event",
    namespaced: true,
    hasStatus: false,
    shortNames: ["ev"],
    fields: {
      "involvedObject.kind": str("involvedObject", "kind"),
      "involvedObject.name": str("involvedObject", "name"),
      "involvedObject.uid": str("involvedObject", "uid"),
      "involvedObject.namespace": str("involvedObject", "namespace"),
      reason: str("reason"),
      type: str("type"),
      "source.component": str("source", "component"),
    },
    returnsDeletedObject: false,
  },
  leases: {
    group: "coordination.k8s.io",
    version: "v1",
    resource: "leases",
    kind: "Lease",
    namespaced: true,
    hasStatus: false,
    shortNames: [],
    fields: {},
    returnsDeletedObject: false,
    normalize: normalizeLease,
    unconditionalUpdate: false,
  },
  poddisruptionbudgets: {
    group: "policy",
    version: "v1",
    resource: "poddisruptionbudgets",
    kind: "PodDisruptionBudget",
    namespaced: true,
    hasStatus: true,
    shortNames: ["pdb"],
    fields: {},
    initialStatus: () => ({ disruptionsAllowed: 0, currentHealthy: 0, desiredHealthy: 0, expectedPods: 0 }),
    returnsDeletedObject: false,
  },
} satisfies Record<string, ResourceDef>;

export type ResourceName = keyof typeof resources;

export const allResources: ResourceDef[] = Object.values(resources);

export function findResource(group: string, version: string, resource: string): ResourceDef | undefined {
  return allResources.find((r) => r.group === group && r.version === version && r.resource === resource);
}
