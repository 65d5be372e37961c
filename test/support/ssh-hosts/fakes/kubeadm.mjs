#!/usr/bin/env node
/**
 * Fake kubeadm: `join` (config file or flags), `reset`, `version`. Writes and
 * removes the files real kubeadm does, flips the kubelet unit, registers the
 * Node as the kubelet would, and prints kubeadm-shaped messages and errors.
 */
import { existsSync, mkdirSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { KubeadmError, resolveJoin } from "./join-config.mjs";
import { FAKE_DIR, readConfig, readStdin, runFake, setUnit } from "./lib.mjs";
import { nodeObject, registerNode } from "./register-node.mjs";

const KUBELET_CONF = "/etc/kubernetes/kubelet.conf";
const out = (text) => process.stdout.write(`${text}\n`);
const err = (text) => process.stderr.write(`${text}\n`);

function phaseError(phase, message) {
  err(`error execution phase ${phase}: ${message}`);
  err("To see the stack trace of this error execute with --v=5 or higher");
  return 1;
}

function kubeconfig(join) {
  return `apiVersion: v1
kind: Config
clusters:
- cluster:
    certificate-authority: /etc/kubernetes/pki/ca.crt
    server: https://${join.apiServerEndpoint}
  name: default-cluster
contexts:
- context:
    cluster: default-cluster
    namespace: default
    user: default-auth
  name: default-context
current-context: default-context
users:
- name: default-auth
  user:
    client-certificate: /var/lib/kubelet/pki/kubelet-client-current.pem
    client-key: /var/lib/kubelet/pki/kubelet-client-current.pem
`;
}

function writeJoinState(join, config) {
  mkdirSync("/etc/kubernetes/pki", { recursive: true });
  mkdirSync("/var/lib/kubelet/pki", { recursive: true });
  writeFileSync(
    "/etc/kubernetes/pki/ca.crt",
    "-----BEGIN CERTIFICATE-----\nZmFrZQ==\n-----END CERTIFICATE-----\n",
  );
  writeFileSync(KUBELET_CONF, kubeconfig(join), { mode: 0o600 });
  writeFileSync(
    "/var/lib/kubelet/config.yaml",
    "apiVersion: kubelet.config.k8s.io/v1beta1\nkind: KubeletConfiguration\ncgroupDriver: systemd\n" +
      "clusterDNS:\n- 10.96.0.10\nclusterDomain: cluster.local\nstaticPodPath: /etc/kubernetes/manifests\n",
  );
  const flags = ["--container-runtime-endpoint=unix:///var/run/containerd/containerd.sock"];
  for (const [name, value] of Object.entries(join.extraArgs)) flags.push(`--${name}=${value}`);
  writeFileSync("/var/lib/kubelet/kubeadm-flags.env", `KUBELET_KUBEADM_ARGS="${flags.join(" ")}"\n`);
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
  const { join, ignorePreflight } = resolved;
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
  out("[preflight] Reading configuration from the cluster...");
  out('[kubelet-start] Writing kubelet configuration to file "/var/lib/kubelet/config.yaml"');
  out(
    '[kubelet-start] Writing kubelet environment file with flags to file "/var/lib/kubelet/kubeadm-flags.env"',
  );
  writeJoinState(join, config);
  out("[kubelet-start] Starting the kubelet");
  setUnit("kubelet", { active: true });
  out("[kubelet-start] Waiting for the kubelet to perform the TLS Bootstrap");
  if (config.kubeApiUrl) {
    try {
      await registerNode({ url: config.kubeApiUrl, token: config.kubeApiToken }, nodeObject(join, config));
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
  setUnit("kubelet", { active: false });
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
