/**
 * The per-host filesystem view. Each sshd runs in a private mount namespace
 * where the directories kubeadm/kubelet scripts touch are bind mounts of
 * per-host directories under the host's root, so production scripts run
 * unchanged and hosts cannot see each other's (or the machine's) state.
 */
import { existsSync, readdirSync, readlinkSync, realpathSync, statSync } from "node:fs";
import { chmod, copyFile, cp, mkdir, symlink, writeFile } from "node:fs/promises";
import { userInfo } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";

export const FAKES_DIR = fileURLToPath(new URL("./fakes/", import.meta.url));

/** Where the fakes keep config.json, calls.jsonl, faults/, units.json inside a host. */
export const FAKE_STATE_PATH = "/var/log/ksp-fake";

interface Mount {
  /** Path on the real machine that the host sees replaced. */
  target: string;
  /** Start from a copy of the real content (config dirs a distro ships) rather than empty. */
  copyReal: boolean;
  /** A single file rather than a directory; `initial` gives its first content (else empty or the copy). */
  file?: { initial?: (config: FakeConfig) => string };
}

const HOME = userInfo().homedir;

export const VIEW_MOUNTS: readonly Mount[] = [
  { target: "/etc/kubernetes", copyReal: false },
  { target: "/var/lib/kubelet", copyReal: false },
  { target: "/etc/cni/net.d", copyReal: false },
  { target: "/opt/cni/bin", copyReal: false },
  { target: "/var/lib/cni", copyReal: false },
  { target: "/etc/containerd", copyReal: false },
  { target: "/etc/sysctl.d", copyReal: true },
  { target: "/etc/modules-load.d", copyReal: true },
  { target: "/etc/default", copyReal: true },
  { target: "/etc/fstab", copyReal: true, file: {} },
  // The host's own static hostname (hostnamectl writes it), never the machine's.
  { target: "/etc/hostname", copyReal: false, file: { initial: (c) => `${c.hostName}\n` } },
  { target: "/usr/local/bin", copyReal: false },
  { target: FAKE_STATE_PATH, copyReal: false },
  // A fresh home: the machine's own shell rc files would put their PATH before /usr/local/bin.
  { target: HOME, copyReal: false },
];

/**
 * Fake commands placed in the host's /usr/local/bin, ahead of anything else on PATH.
 * `name` is how the fake records itself; "$0" means the name it was called by, for
 * families that one multi-call binary may serve (xtables): every bind mount over that
 * binary is the same wrapper, so whichever lands last still answers to each name.
 */
const FAKE_COMMANDS: Record<string, { script: string; name?: string }> = {
  kubeadm: { script: "kubeadm.mjs" },
  kubelet: { script: "kubelet.mjs" },
  systemctl: { script: "systemctl.mjs" },
  "nvidia-smi": { script: "nvidia-smi.mjs" },
  crictl: { script: "crictl.mjs" },
  // These would change the real machine's hostname and clock settings.
  hostnamectl: { script: "hostnamectl.mjs" },
  timedatectl: { script: "timedatectl.mjs" },
  // Loopback hosts share the real kernel: these must not touch it.
  sysctl: { script: "noop.mjs", name: "sysctl" },
  modprobe: { script: "noop.mjs", name: "modprobe" },
  swapoff: { script: "noop.mjs", name: "swapoff" },
  ...Object.fromEntries(
    ["iptables", "ip6tables"].flatMap((family) =>
      ["", "-save", "-restore"].map((verb) => [`${family}${verb}`, { script: "iptables.mjs", name: "$0" }]),
    ),
  ),
  ipvsadm: { script: "ipvsadm.mjs" },
};

export const hostPath = (root: string, target: string) => path.join(root, "fs", target);

/** Where the host's sshd writes its pid: the fake kubelet's sign that the host is still up. */
export const sshdPidPath = (root: string) => path.join(root, "ssh", "sshd.pid");

/** A mount over a directory holding the host root itself (TMPDIR under $HOME) would hide the root. */
const mountsFor = (root: string) => VIEW_MOUNTS.filter((m) => !root.startsWith(`${m.target}/`));

/** Bind mounts need existing targets: create missing ones (empty) on the real machine, once. */
export async function ensureMountTargets(): Promise<void> {
  for (const { target, file } of VIEW_MOUNTS) {
    if (existsSync(target)) continue;
    if (file) await writeFile(target, "");
    else await mkdir(target, { recursive: true });
  }
}

export interface FakeConfig {
  hostName: string;
  address: string;
  kubeApiUrl?: string;
  /** Bearer token for a test API server that requires one (stands in for the kubelet's client cert). */
  kubeApiToken?: string;
  cpus: number;
  memoryMiB: number;
  gpus: number;
  kubeVersion: string;
}

async function writeBin(binDir: string): Promise<void> {
  // Keep the machine's own /usr/local/bin tools reachable, shadowed by the fakes.
  for (const entry of readdirSync("/usr/local/bin")) {
    if (entry in FAKE_COMMANDS) continue;
    await symlink(path.join("/usr/local/bin", entry), path.join(binDir, entry)).catch(() => undefined);
  }
  for (const [command, { script, name }] of Object.entries(FAKE_COMMANDS)) {
    const file = path.join(binDir, command);
    const env =
      name === "$0"
        ? 'export KSP_FAKE_NAME="$(basename "$0")"\n'
        : name
          ? `export KSP_FAKE_NAME='${name}'\n`
          : "";
    await writeFile(
      file,
      `#!/bin/sh\n${env}exec '${process.execPath}' '${path.join(FAKES_DIR, script)}' "$@"\n`,
    );
    await chmod(file, 0o755);
  }
}

/** Lays out <root>/fs/<target> for every mount and writes the fakes' config. */
export async function prepareHostView(root: string, config: FakeConfig): Promise<void> {
  for (const { target, copyReal, file } of mountsFor(root)) {
    const dir = hostPath(root, target);
    if (file) {
      await mkdir(path.dirname(dir), { recursive: true });
      if (copyReal && existsSync(target)) await copyFile(target, dir);
      else await writeFile(dir, file.initial?.(config) ?? "");
      continue;
    }
    await mkdir(dir, { recursive: true });
    if (copyReal && existsSync(target)) await cp(target, dir, { recursive: true, verbatimSymlinks: true });
  }
  await writeBin(hostPath(root, "/usr/local/bin"));
  const state = hostPath(root, FAKE_STATE_PATH);
  await mkdir(path.join(state, "faults"), { recursive: true });
  const full = {
    ...config,
    // The fake hostnamectl refuses to rename a host still in this (the machine's) UTS namespace.
    machineUtsNamespace: readlinkSync("/proc/self/ns/uts"),
    // Unique per host: marks its kubelet process, so a reused pid is never mistaken for it.
    hostId: root,
    sshdPidFile: sshdPidPath(root),
  };
  await writeFile(path.join(state, "config.json"), `${JSON.stringify(full, null, 2)}\n`);
  await writeFile(path.join(state, "calls.jsonl"), "");
}

/**
 * The machine's own copies of faked commands (/usr/bin/systemctl, /sbin/sysctl …),
 * so a script calling them by absolute path still gets the fake.
 */
function systemCopies(command: string): string[] {
  const found = new Set<string>();
  for (const dir of ["/usr/bin", "/usr/sbin", "/bin", "/sbin"]) {
    try {
      const real = realpathSync(path.join(dir, command));
      if (statSync(real).isFile()) found.add(real);
    } catch {
      // Not installed there.
    }
  }
  return [...found];
}

const quote = (s: string) => `'${s.replaceAll("'", `'\\''`)}'`;

/**
 * The shell run inside the new namespaces: bind the view, name the host, boot
 * its units, become sshd.
 * Like a booting machine, the host takes its name from its /etc/hostname, so a
 * hostname set by a test survives restart().
 */
export function namespaceScript(root: string, hostName: string, sshdConfig: string): string {
  const lines = ["set -e"];
  for (const { target } of mountsFor(root))
    lines.push(`mount --bind ${quote(hostPath(root, target))} ${quote(target)}`);
  for (const command of Object.keys(FAKE_COMMANDS)) {
    const fake = path.join(hostPath(root, "/usr/local/bin"), command);
    for (const copy of systemCopies(command)) lines.push(`mount --bind ${quote(fake)} ${quote(copy)}`);
  }
  lines.push("name=$(head -n 1 /etc/hostname 2>/dev/null || true)");
  lines.push(`[ -n "$name" ] || name=${quote(hostName)}`);
  lines.push(`hostname "$name" || hostname ${quote(hostName)}`);
  // A host that ran before boots like a machine: enabled units (the kubelet) come back up.
  const units = quote(path.join(FAKE_STATE_PATH, "units.json"));
  const boot = `${quote(process.execPath)} ${quote(path.join(FAKES_DIR, "boot.mjs"))}`;
  lines.push(`if [ -f ${units} ]; then ${boot} || true; fi`);
  lines.push(`exec /usr/sbin/sshd -D -e -f ${quote(sshdConfig)}`);
  return lines.join("\n");
}
