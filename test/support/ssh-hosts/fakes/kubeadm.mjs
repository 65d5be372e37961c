#!/usr/bin/env node
/**
 * Fake kubeadm: `join` (config file or flags), `reset`, `version`. A join
 * runs token discovery against the host's API server (discovery.mjs: the
 * token's Secret, the CA pin), writes the files real kubeadm does (the
 * cluster's CA as pki/ca.crt), starts the kubelet unit, whose process keeps
 * the Node registered, and registers the Node once itself, as kubeadm waits
 * for the kubelet to. Messages and errors are kubeadm's.
 */
import { existsSync, mkdirSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { hostname } from "node:os";
import { stringify } from "yaml";
import { DiscoveryError, discoverCluster, discoverFromFile } from "./discovery.mjs";
import { KubeadmError, resolveJoin } from "./join-config.mjs";
import { apiOf } from "./kube-http.mjs";
import { setKubeletUnit } from "./kubelet-service.mjs";
import { FAKE_DIR, readConfig, readStdin, runFake } from "./lib.mjs";
import { nodeObject, registerNode } from "./register-node.mjs";

const KUBELET_CONF = "/etc/kubernetes/kubelet.conf";
const BOOTSTRAP_CONF = "/etc/kubernetes/bootstrap-kubelet.conf";
const out = (text) => process.stdout.write(`${text}\n`);
const err = (text) => process.stderr.write(`${text}\n`);

function phaseError(phase, message) {
  err(`error execution phase ${phase}: ${message}`);
  err("To see the stack trace of this error execute with --v=5 or higher");
  return 1;
}

/** A kubeconfig for the kubelet: client cert after the TLS bootstrap, the token before it. */
function kubeconfig(server, user) {
  return stringify(
    {
      apiVersion: "v1",
      kind: "Config",
      clusters: [
        {
          cluster: { "certificate-authority": "/etc/kubernetes/pki/ca.crt", server },
          name: "default-cluster",
        },
      ],
      contexts: [
        {
          context: { cluster: "default-cluster", namespace: "default", user: "default-auth" },
          name: "default-context",
        },
      ],
      "current-context": "default-context",
      users: [{ name: "default-auth", user }],
    },
    { indentSeq: false },
  );
}

const CLIENT_CERT = {
  "client-certificate": "/var/lib/kubelet/pki/kubelet-client-current.pem",
  "client-key": "/var/lib/kubelet/pki/kubelet-client-current.pem",
};

const taintString = (t) => `${t.key}${t.value ? `=${t.value}` : ""}:${t.effect}`;

/** The kubelet-start phase's files, up to the point where the kubelet takes over. */
function writeKubeletStart(join, cluster, server, config) {
  mkdirSync("/etc/kubernetes/pki", { recursive: true });
  mkdirSync("/var/lib/kubelet/pki", { recursive: true });
  writeFileSync("/etc/kubernetes/pki/ca.crt", cluster.caPem);
  // Real kubeadm writes the token here; the fake keeps it off disk so tests can grep hosts for leaks.
  const bootstrap = kubeconfig(server, { token: "<bootstrap token withheld by the fake kubeadm>" });
  writeFileSync(BOOTSTRAP_CONF, bootstrap, { mode: 0o600 });
  writeFileSync(
    "/var/lib/kubelet/config.yaml",
    "apiVersion: kubelet.config.k8s.io/v1beta1\nkind: KubeletConfiguration\ncgroupDriver: systemd\n" +
      "clusterDNS:\n- 10.96.0.10\nclusterDomain: cluster.local\nstaticPodPath: /etc/kubernetes/manifests\n",
  );
  const flags = ["--container-runtime-endpoint=unix:///var/run/containerd/containerd.sock"];
  // kubeadm passes a worker's taints and a node name other than the hostname as kubelet flags.
  if (join.taints.length > 0) flags.push(`--register-with-taints=${join.taints.map(taintString).join(",")}`);
  if (join.name !== (config.hostName ?? hostname())) flags.push(`--hostname-override=${join.name}`);
  for (const [name, value] of Object.entries(join.extraArgs)) flags.push(`--${name}=${value}`);
  writeFileSync("/var/lib/kubelet/kubeadm-flags.env", `KUBELET_KUBEADM_ARGS="${flags.join(" ")}"\n`);
}

/** What a finished TLS bootstrap leaves: kubelet.conf with a client cert, no bootstrap kubeconfig. */
function writeJoined(join, server, config) {
  writeFileSync(KUBELET_CONF, kubeconfig(server, CLIENT_CERT), { mode: 0o600 });
  rmSync(BOOTSTRAP_CONF, { force: true });
  const record = {
    name: join.name,
    providerID: join.extraArgs["provider-id"] ?? null,
    extraArgs: join.extraArgs,
    taints: join.taints,
    apiServerEndpoint: join.apiServerEndpoint,
    configApiVersion: join.apiVersion,
    kubeVersion: config.kubeVersion,
  };
  writeFileSync(`${FAKE_DIR}/node.json`, `${JSON.stringify(record, null, 2)}\n`);
}

async function join(args) {
  const config = readConfig();
  let resolved;
  try {
    resolved = resolveJoin(args, config.hostName);
  } catch (e) {
    if (e instanceof KubeadmError) return phaseError("preflight", e.message);
    throw e;
  }
  const { join, token, ignorePreflight } = resolved;
  out("[preflight] Running pre-flight checks");
  const ignored =
    ignorePreflight.includes("all") || ignorePreflight.includes("fileavailable--etc-kubernetes-kubelet.conf");
  if (existsSync(KUBELET_CONF) && !ignored) {
    err("error execution phase preflight: [preflight] Some fatal errors occurred:");
    err(`\t[ERROR FileAvailable--etc-kubernetes-kubelet.conf]: ${KUBELET_CONF} already exists`);
    err(
      "[preflight] If you know what you are doing, you can make a check non-fatal with `--ignore-preflight-errors=...`",
    );
    err("To see the stack trace of this error execute with --v=5 or higher");
    return 1;
  }
  let cluster;
  try {
    cluster = join.fileDiscovery
      ? discoverFromFile(join.fileDiscovery)
      : await discoverCluster(config, join, token);
  } catch (e) {
    if (e instanceof DiscoveryError)
      return phaseError("preflight", `couldn't validate the identity of the API Server: ${e.message}`);
    throw e;
  }
  out("[preflight] Reading configuration from the cluster...");
  // With a token it may not authenticate with, kubeadm cannot even read its own ConfigMap.
  if (!cluster.authenticates) {
    return phaseError(
      "preflight",
      "unable to fetch the kubeadm-config ConfigMap: failed to get config map: Unauthorized",
    );
  }
  const server = join.apiServerEndpoint ? `https://${join.apiServerEndpoint}` : cluster.server;
  out('[kubelet-start] Writing kubelet configuration to file "/var/lib/kubelet/config.yaml"');
  out(
    '[kubelet-start] Writing kubelet environment file with flags to file "/var/lib/kubelet/kubeadm-flags.env"',
  );
  writeKubeletStart(join, cluster, server, config);
  out("[kubelet-start] Starting the kubelet");
  setKubeletUnit({ active: true }, { restart: true });
  out("[kubelet-start] Waiting for the kubelet to perform the TLS Bootstrap");
  writeJoined(join, server, config);
  const api = apiOf(config);
  if (api) {
    try {
      await registerNode(api, nodeObject(join, config));
    } catch (e) {
      return phaseError(
        "kubelet-start",
        `timed out waiting for the condition: ${e instanceof Error ? e.message : e}`,
      );
    }
  }
  out("\nThis node has joined the cluster:");
  out("* Certificate signing request was sent to apiserver and a response was received.");
  out("* The Kubelet was informed of the new secure connection details.");
  out("\nRun 'kubectl get nodes' on the control-plane to see this node join the cluster.\n");
  return 0;
}

function emptyDir(dir) {
  if (!existsSync(dir)) return;
  // The directory itself may be a mount point; only its contents go.
  for (const entry of readdirSync(dir)) rmSync(`${dir}/${entry}`, { recursive: true, force: true });
}

function reset(args) {
  const force = args.includes("-f") || args.includes("--force");
  if (!force) {
    out("[reset] Are you sure you want to proceed? [y/N]: ");
    const answer = readStdin().trim().toLowerCase();
    if (answer !== "y" && answer !== "yes") {
      err("error execution phase preflight: aborted reset operation");
      return 1;
    }
  }
  out("[preflight] Running pre-flight checks");
  out("[reset] Stopping the kubelet service");
  setKubeletUnit({ active: false });
  out(
    "[reset] Deleting contents of directories: [/etc/kubernetes/manifests /var/lib/kubelet /etc/kubernetes/pki]",
  );
  emptyDir("/etc/kubernetes/manifests");
  emptyDir("/etc/kubernetes/pki");
  emptyDir("/var/lib/kubelet");
  out(
    "[reset] Deleting files: [/etc/kubernetes/admin.conf /etc/kubernetes/kubelet.conf /etc/kubernetes/bootstrap-kubelet.conf]",
  );
  for (const file of [
    "admin.conf",
    "kubelet.conf",
    "bootstrap-kubelet.conf",
    "controller-manager.conf",
    "scheduler.conf",
  ]) {
    rmSync(`/etc/kubernetes/${file}`, { force: true });
  }
  rmSync(`${FAKE_DIR}/node.json`, { force: true });
  out("\nThe reset process does not clean CNI configuration. To do so, you must remove /etc/cni/net.d");
  return 0;
}

function version(args) {
  const v = readConfig().kubeVersion ?? "v1.31.2";
  const output =
    args.find((_a, i) => args[i - 1] === "-o" || args[i - 1] === "--output") ??
    args.find((a) => a.startsWith("--output=") || a.startsWith("-o="))?.split("=")[1];
  const [major, minor] = v.replace(/^v/, "").split(".");
  const info = {
    major,
    minor,
    gitVersion: v,
    goVersion: "go1.22.8",
    compiler: "gc",
    platform: "linux/amd64",
  };
  if (output === "short") out(v);
  else if (output === "json") out(JSON.stringify({ clientVersion: info }, null, 2));
  else
    out(
      `kubeadm version: &version.Info{Major:"${major}", Minor:"${minor}", GitVersion:"${v}", Platform:"linux/amd64"}`,
    );
  return 0;
}

await runFake("kubeadm", async (args) => {
  const [sub, ...rest] = args;
  switch (sub) {
    case "join":
      return join(rest);
    case "reset":
      return reset(rest);
    case "version":
      return version(rest);
    case "config":
      return 0;
    default:
      err(`unknown command "${sub ?? ""}" for "kubeadm"`);
      return 1;
  }
});
