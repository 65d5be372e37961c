/** Maps a REST path onto a served resource: /api/v1/..., /apis/{group}/{version}/..., optional namespaces/{ns}. */
import { findResource, type ResourceDef } from "./registry.ts";
import { errors } from "./status.ts";

export interface ResourceTarget {
  def: ResourceDef;
  namespace?: string;
  name?: string;
  subresource?: "status" | "eviction";
}

// Subresources of a Namespace object that would otherwise read as /namespaces/{ns}/{resource}.
const NAMESPACE_SUBRESOURCES = new Set(["status", "finalize"]);

/** Returns the target or throws the real server's 404 for paths it does not serve. */
export function resolveResourcePath(pathname: string): ResourceTarget {
  let segments: string[];
  try {
    segments = pathname.split("/").filter(Boolean).map(decodeURIComponent);
  } catch {
    throw errors.pathNotFound();
  }
  let group: string;
  let rest: string[];
  if (segments[0] === "api") [group, rest] = ["", segments.slice(1)];
  else if (segments[0] === "apis") [group, rest] = [segments[1] ?? "", segments.slice(2)];
  else throw errors.pathNotFound();
  const [version, ...tail] = rest;
  let namespace: string | undefined;
  let path = tail;
  if (
    path[0] === "namespaces" &&
    path.length >= 3 &&
    !(path.length === 3 && NAMESPACE_SUBRESOURCES.has(path[2]!))
  ) {
    namespace = path[1];
    path = path.slice(2);
  }
  const [resource, name, subresource, ...extra] = path;
  const def = version && resource ? findResource(group, version, resource) : undefined;
  if (!def || extra.length > 0) throw errors.pathNotFound();
  if (namespace !== undefined && !def.namespaced) throw errors.pathNotFound();
  if (name !== undefined && def.namespaced && namespace === undefined) throw errors.pathNotFound();
  if (subresource !== undefined) {
    const ok =
      (subresource === "status" && def.hasStatus) || (subresource === "eviction" && def.resource === "pods");
    if (!ok) throw errors.pathNotFound();
  }
  const target: ResourceTarget = { def };
  if (namespace !== undefined) target.namespace = namespace;
  if (name !== undefined) target.name = name;
  if (subresource !== undefined) target.subresource = subresource as "status" | "eviction";
  return target;
}
