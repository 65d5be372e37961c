/** Discovery documents (/api, /apis, /api/v1, /apis/{group}/{version}, /version) for the served resources. */
import { allResources, apiVersionOf, type ResourceDef } from "./registry.ts";

const verbs = ["create", "delete", "deletecollection", "get", "list", "patch", "update", "watch"];

export const serverVersion = {
  major: "1",
  minor: "31",
  gitVersion: "v1.31.0-ksp-stand-in",
  gitCommit: "0000000000000000000000000000000000000000",
  gitTreeState: "clean",
  buildDate: "2024-08-13T00:00:00Z",
  goVersion: "go1.22.5",
  compiler: "gc",
  platform: "linux/amd64",
};

function groupVersions(): Map<string, ResourceDef[]> {
  const byGv = new Map<string, ResourceDef[]>();
  for (const def of allResources) {
    const gv = apiVersionOf(def);
    byGv.set(gv, [...(byGv.get(gv) ?? []), def]);
  }
  return byGv;
}

export function apiVersions(serverAddress: string) {
  return {
    kind: "APIVersions",
    versions: ["v1"],
    serverAddressByClientCIDRs: [{ clientCIDR: "0.0.0.0/0", serverAddress }],
  };
}

function apiGroup(group: string) {
  const versions = [...groupVersions().keys()]
    .filter((gv) => gv.startsWith(`${group}/`))
    .map((groupVersion) => ({ groupVersion, version: groupVersion.slice(group.length + 1) }));
  return { kind: "APIGroup", apiVersion: "v1", name: group, versions, preferredVersion: versions[0] };
}

export function apiGroupList() {
  const groups = [...new Set(allResources.map((d) => d.group).filter(Boolean))];
  return { kind: "APIGroupList", apiVersion: "v1", groups: groups.map(apiGroup) };
}

export function apiGroupDocument(group: string) {
  return allResources.some((d) => d.group === group) ? apiGroup(group) : undefined;
}

export function apiResourceList(groupVersion: string) {
  const defs = groupVersions().get(groupVersion);
  if (!defs) return undefined;
  const resources = defs.flatMap((d) => {
    const main = {
      name: d.resource,
      singularName: d.kind.toLowerCase(),
      namespaced: d.namespaced,
      kind: d.kind,
      verbs,
      ...(d.shortNames.length ? { shortNames: d.shortNames } : {}),
    };
    const status = {
      name: `${d.resource}/status`,
      singularName: "",
      namespaced: d.namespaced,
      kind: d.kind,
      verbs: ["get", "patch", "update"],
    };
    const eviction = {
      name: "pods/eviction",
      singularName: "",
      namespaced: true,
      group: "policy",
      version: "v1",
      kind: "Eviction",
      verbs: ["create"],
    };
    return [main, ...(d.hasStatus ? [status] : []), ...(d.resource === "pods" ? [eviction] : [])];
  });
  return { kind: "APIResourceList", apiVersion: "v1", groupVersion, resources };
}
