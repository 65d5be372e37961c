/**
 * Turns the facts script's `key=value` output into a typed HostFacts. Absent
 * pieces are null (no nvidia-smi, no kubeadm …), never guessed.
 */
import { first, keyValues } from "./run.ts";

export interface GpuFact {
  index: number;
  name: string;
  memoryMiB: number | null;
}

export type RuntimeName = "containerd" | "cri-o" | "docker";

export interface HostFacts {
  hostname: string | null;
  /** e.g. "Debian GNU/Linux 12 (bookworm)" */
  osImage: string | null;
  osId: string | null;
  osVersion: string | null;
  /** "Linux" */
  os: string | null;
  kernel: string | null;
  /** Kubernetes' spelling: amd64, arm64 … */
  arch: string | null;
  cpuCores: number | null;
  memoryBytes: number | null;
  /** absent: no nvidia-smi; failed: it ran and failed (driver missing), gpus is then empty */
  nvidiaSmi: "absent" | "ok" | "failed" | null;
  gpus: GpuFact[];
  /** the active runtime, or the first one installed when none is active */
  containerRuntime: { name: RuntimeName; version: string | null; active: boolean } | null;
  kubeletVersion: string | null;
  kubeadmVersion: string | null;
}

const ARCH: Record<string, string> = {
  x86_64: "amd64",
  amd64: "amd64",
  aarch64: "arm64",
  arm64: "arm64",
  armv7l: "arm",
  ppc64le: "ppc64le",
  s390x: "s390x",
  riscv64: "riscv64",
};

const RUNTIMES: { unit: string; cli: string; name: RuntimeName }[] = [
  { unit: "containerd", cli: "containerd", name: "containerd" },
  { unit: "crio", cli: "crio", name: "cri-o" },
  { unit: "docker", cli: "docker", name: "docker" },
];

/** os-release values may be quoted: PRETTY_NAME="Debian GNU/Linux 12 (bookworm)". */
const unquote = (v: string | undefined) =>
  v === undefined ? null : v.replace(/^(["'])(.*)\1$/, "$2") || null;
const VERSION = /\bv?(\d+\.\d+(?:\.\d+)?(?:[-+][0-9A-Za-z.-]+)?)/;

function integer(v: string | undefined): number | null {
  return v !== undefined && /^\d+$/.test(v.trim()) ? Number(v.trim()) : null;
}

function versionIn(text: string | undefined): string | null {
  const m = text === undefined ? null : VERSION.exec(text);
  return m ? `v${m[1]}` : null;
}

function parseGpu(line: string, fallbackIndex: number): GpuFact {
  const parts = line.split(",").map((p) => p.trim());
  const index = integer(parts[0]) ?? fallbackIndex;
  const memory = /^(\d+)\s*MiB$/.exec(parts.at(-1) ?? "");
  const name = parts.slice(1, memory ? -1 : undefined).join(", ");
  return { index, name, memoryMiB: memory ? Number(memory[1]) : null };
}

export function parseFacts(stdout: string): HostFacts {
  const kv = keyValues(stdout);
  const machine = first(kv, "machine");
  const kib = integer(first(kv, "memory.kib"));
  const active = new Set(kv.get("runtime.active") ?? []);
  const runtime =
    RUNTIMES.find((r) => active.has(r.unit)) ?? RUNTIMES.find((r) => kv.has(`runtime.version.${r.cli}`));
  const smi = first(kv, "nvidia-smi");
  return {
    hostname: first(kv, "hostname") || null,
    osImage: unquote(first(kv, "os.pretty")),
    osId: unquote(first(kv, "os.id")),
    osVersion: unquote(first(kv, "os.version")),
    os: first(kv, "os") || null,
    kernel: first(kv, "kernel") || null,
    arch: machine === undefined ? null : (ARCH[machine] ?? machine),
    cpuCores: integer(first(kv, "cpus")),
    memoryBytes: kib === null ? null : kib * 1024,
    nvidiaSmi: smi === "absent" || smi === "ok" || smi === "failed" ? smi : null,
    gpus: (kv.get("gpu") ?? []).map(parseGpu),
    containerRuntime: runtime
      ? {
          name: runtime.name,
          version: versionIn(first(kv, `runtime.version.${runtime.cli}`)),
          active: active.has(runtime.unit),
        }
      : null,
    kubeletVersion: versionIn(first(kv, "kubelet.version")),
    kubeadmVersion: versionIn(first(kv, "kubeadm.version")),
  };
}
