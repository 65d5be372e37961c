/**
 * What the kubelet does after a successful TLS bootstrap, and again whenever
 * its Node is gone: create the Node object (labels, taints, providerID,
 * capacity, a Ready condition) on the API server.
 */
import { request } from "./kube-http.mjs";

const send = (api, method, path, body, contentType) => request(api, method, path, { body, contentType });

function parseLabels(value) {
  const labels = {};
  for (const pair of (value ?? "").split(",").filter(Boolean)) {
    const eq = pair.indexOf("=");
    if (eq > 0) labels[pair.slice(0, eq)] = pair.slice(eq + 1);
    else labels[pair] = "";
  }
  return labels;
}

export function nodeObject(join, config) {
  const cpus = String(config.cpus ?? 2);
  const memory = `${config.memoryMiB ?? 4096}Mi`;
  const now = new Date().toISOString().replace(/\.\d+Z$/, "Z");
  const resources = { cpu: cpus, memory, pods: "110", "ephemeral-storage": "20Gi" };
  if (config.gpus) resources["nvidia.com/gpu"] = String(config.gpus);
  const spec = {};
  if (join.extraArgs["provider-id"]) spec.providerID = join.extraArgs["provider-id"];
  if (join.taints.length > 0) spec.taints = join.taints;
  return {
    apiVersion: "v1",
    kind: "Node",
    metadata: {
      name: join.name,
      labels: {
        "kubernetes.io/arch": "amd64",
        "kubernetes.io/os": "linux",
        "kubernetes.io/hostname": join.name,
        ...parseLabels(join.extraArgs["node-labels"]),
      },
    },
    spec,
    status: {
      capacity: resources,
      allocatable: resources,
      conditions: [
        {
          type: "Ready",
          status: "True",
          reason: "KubeletReady",
          message: "kubelet is posting ready status",
          lastHeartbeatTime: now,
          lastTransitionTime: now,
        },
      ],
      addresses: [
        { type: "InternalIP", address: config.address ?? "127.0.0.1" },
        { type: "Hostname", address: join.name },
      ],
      nodeInfo: {
        kubeletVersion: config.kubeVersion,
        operatingSystem: "linux",
        architecture: "amd64",
        containerRuntimeVersion: "containerd://1.7.22",
      },
    },
  };
}

/** Creates the Node; an existing one (a re-joined machine) gets its labels, spec and status updated. */
export async function registerNode(api, node) {
  const created = await send(api, "POST", "/api/v1/nodes", node, "application/json");
  const name = encodeURIComponent(node.metadata.name);
  if (created.status === 409) {
    const patched = await send(api, "PATCH", `/api/v1/nodes/${name}`, node, "application/merge-patch+json");
    if (patched.status >= 300) throw new Error(`updating Node: HTTP ${patched.status}`);
  } else if (created.status >= 300) {
    throw new Error(`creating Node: HTTP ${created.status} ${created.body?.message ?? ""}`);
  }
  // Servers that drop status on create get it the way the kubelet sends it: on /status.
  if (created.status === 409 || !created.body?.status?.conditions) {
    const res = await send(
      api,
      "PATCH",
      `/api/v1/nodes/${name}/status`,
      { status: node.status },
      "application/merge-patch+json",
    );
    if (res.status >= 300) throw new Error(`updating Node status: HTTP ${res.status}`);
  }
}
