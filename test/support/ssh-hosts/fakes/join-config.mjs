/**
 * Turns `kubeadm join` input (a --config file or flags) into the join the fake
 * performs, rejecting what real kubeadm rejects: mixed --config and flags,
 * unknown API versions, the wrong kubeletExtraArgs shape for the version,
 * malformed tokens and token discovery without CA pinning.
 */
import { existsSync, readFileSync } from "node:fs";
import { hostname } from "node:os";
import { parseAllDocuments } from "yaml";
import { readStdin } from "./lib.mjs";

const BOOLEAN_FLAGS = new Set([
  "--discovery-token-unsafe-skip-ca-verification",
  "--control-plane",
  "--dry-run",
]);
// Flags kubeadm accepts next to --config; everything else conflicts with it.
const CONFIG_COMPATIBLE = new Set(["config", "ignore-preflight-errors", "dry-run", "v", "skip-phases"]);
const TOKEN_FORMAT = /^[a-z0-9]{6}\.[a-z0-9]{16}$/;
const NODE_NAME = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;

export class KubeadmError extends Error {}

export function parseFlags(args) {
  const flags = {};
  const positional = [];
  for (let i = 0; i < args.length; i++) {
    const arg = args[i];
    if (!arg.startsWith("-")) {
      positional.push(arg);
      continue;
    }
    const eq = arg.indexOf("=");
    if (eq > 0) flags[arg.slice(0, eq).replace(/^-+/, "")] = arg.slice(eq + 1);
    else if (BOOLEAN_FLAGS.has(arg) || i + 1 >= args.length) flags[arg.replace(/^-+/, "")] = "true";
    else flags[arg.replace(/^-+/, "")] = args[++i];
  }
  return { flags, positional };
}

function loadDocuments(path) {
  const text = path === "-" || path === "/dev/stdin" ? readStdin() : readConfigFile(path);
  const docs = parseAllDocuments(text).map((d) => d.toJS());
  return docs.filter((d) => d && typeof d === "object");
}

function readConfigFile(path) {
  if (!existsSync(path))
    throw new KubeadmError(`unable to read config from "${path}" : open ${path}: no such file or directory`);
  return readFileSync(path, "utf8");
}

function extraArgsFrom(apiVersion, raw) {
  if (raw === undefined || raw === null) return {};
  if (apiVersion.endsWith("/v1beta4")) {
    if (!Array.isArray(raw)) {
      throw new KubeadmError(
        "json: cannot unmarshal object into Go struct field NodeRegistrationOptions.nodeRegistration.kubeletExtraArgs of type []v1beta4.Arg",
      );
    }
    return Object.fromEntries(raw.map((a) => [String(a.name), String(a.value)]));
  }
  if (Array.isArray(raw) || typeof raw !== "object") {
    throw new KubeadmError(
      "json: cannot unmarshal array into Go struct field NodeRegistrationOptions.nodeRegistration.kubeletExtraArgs of type map[string]string",
    );
  }
  return Object.fromEntries(Object.entries(raw).map(([k, v]) => [k, String(v)]));
}

function fromConfig(path) {
  const docs = loadDocuments(path);
  const join = docs.find((d) => d.kind === "JoinConfiguration");
  if (!join) throw new KubeadmError(`no JoinConfiguration found in config file "${path}"`);
  const apiVersion = String(join.apiVersion ?? "");
  if (apiVersion !== "kubeadm.k8s.io/v1beta3" && apiVersion !== "kubeadm.k8s.io/v1beta4") {
    throw new KubeadmError(`no kind "JoinConfiguration" is registered for version "${apiVersion}"`);
  }
  const reg = join.nodeRegistration ?? {};
  const bootstrap = join.discovery?.bootstrapToken;
  const fileDiscovery = join.discovery?.file?.kubeConfigPath;
  if (!bootstrap && !fileDiscovery) {
    throw new KubeadmError('discovery: Invalid value: "": bootstrapToken or file must be set');
  }
  return {
    apiVersion,
    name: reg.name,
    taints: Array.isArray(reg.taints) ? reg.taints : [],
    extraArgs: extraArgsFrom(apiVersion, reg.kubeletExtraArgs),
    apiServerEndpoint: bootstrap?.apiServerEndpoint ?? "",
    token: bootstrap?.token ?? join.discovery?.tlsBootstrapToken,
    caCertHashes: bootstrap?.caCertHashes ?? [],
    unsafeSkipCAVerification: bootstrap?.unsafeSkipCAVerification === true,
    fileDiscovery,
  };
}

/** With flags, kubelet args come from /etc/default/kubelet, as the packaged drop-in passes them. */
function extraArgsFromDefaults() {
  const path = "/etc/default/kubelet";
  if (!existsSync(path)) return {};
  const line = readFileSync(path, "utf8").match(/^KUBELET_EXTRA_ARGS=["']?(.*?)["']?$/m);
  const args = {};
  for (const part of (line?.[1] ?? "").split(/\s+/).filter(Boolean)) {
    const m = part.match(/^--([^=]+)=(.*)$/);
    if (m) args[m[1]] = m[2];
  }
  return args;
}

function fromFlags(flags, positional) {
  return {
    apiVersion: "flags",
    name: flags["node-name"],
    taints: [],
    extraArgs: extraArgsFromDefaults(),
    apiServerEndpoint: positional[0] ?? "",
    token: flags["discovery-token"] ?? flags.token,
    caCertHashes: flags["discovery-token-ca-cert-hash"]
      ? flags["discovery-token-ca-cert-hash"].split(",")
      : [],
    unsafeSkipCAVerification: flags["discovery-token-unsafe-skip-ca-verification"] === "true",
    fileDiscovery: flags["discovery-file"],
  };
}

function validate(join, fallbackName) {
  if (!join.fileDiscovery) {
    if (!join.apiServerEndpoint)
      throw new KubeadmError('discovery.bootstrapToken.apiServerEndpoint: Invalid value: ""');
    if (!join.token || !TOKEN_FORMAT.test(join.token)) {
      throw new KubeadmError('the bootstrap token was not of the form "^([a-z0-9]{6})\\.([a-z0-9]{16})$"');
    }
    if (join.caCertHashes.length === 0 && !join.unsafeSkipCAVerification) {
      throw new KubeadmError(
        "discovery.bootstrapToken.caCertHashes: Invalid value: []string(nil): using token-based discovery without caCertHashes can be unsafe. Set unsafeSkipCAVerification as true in your kubeadm config file or pass --discovery-token-unsafe-skip-ca-verification flag to continue",
      );
    }
  }
  const name = join.name || fallbackName || hostname();
  if (!NODE_NAME.test(name) || name.length > 253) {
    throw new KubeadmError(
      `nodeRegistration.name: Invalid value: "${name}": a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.'`,
    );
  }
  return { ...join, name };
}

/**
 * Parses and validates. The token comes back apart from `join`, which is what
 * gets recorded, so it never reaches a state file.
 */
export function resolveJoin(args, fallbackName) {
  const { flags, positional } = parseFlags(args);
  if (flags["control-plane"] === "true") throw new KubeadmError("the fake kubeadm only joins worker nodes");
  let join;
  if (flags.config) {
    const mixed = Object.keys(flags).filter((f) => !CONFIG_COMPATIBLE.has(f));
    if (mixed.length > 0 || positional.length > 0) {
      throw new KubeadmError(
        `can not mix '--config' with arguments [${[...mixed, ...(positional.length ? ["discovery-endpoint"] : [])].join(" ")}]`,
      );
    }
    join = fromConfig(flags.config);
  } else {
    join = fromFlags(flags, positional);
  }
  const { token, ...valid } = validate(join, fallbackName);
  return {
    join: valid,
    token,
    ignorePreflight: (flags["ignore-preflight-errors"] ?? "").toLowerCase().split(","),
  };
}
