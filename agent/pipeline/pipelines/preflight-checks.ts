/**
 * Preflight verdicts: pure functions from what a host reported to "fine"
 * (a short explanation for the step's output) or a PreconditionError saying
 * exactly what is wrong and what was expected.
 */
import { PreconditionError } from "../errors.ts";
import type { HostFacts } from "./facts-parse.ts";
import type { Requirements } from "./preflight-input.ts";
import { first } from "./run.ts";

const GiB = 2 ** 30;
const gib = (bytes: number) => `${(bytes / GiB).toFixed(1)} GiB`;

export function judgeOsArch(facts: HostFacts, architectures: readonly string[]): string {
  if (facts.os !== "Linux")
    throw new PreconditionError(`unsupported OS ${facts.os ?? "unknown"}: Linux required`);
  if (facts.arch === null || !architectures.includes(facts.arch)) {
    throw new PreconditionError(
      `unsupported architecture ${facts.arch ?? "unknown"}: the pool accepts ${architectures.join(", ")}`,
    );
  }
  return `${facts.osImage ?? facts.osId ?? "Linux"}, kernel ${facts.kernel ?? "?"}, ${facts.arch}`;
}

export function judgeResources(facts: HostFacts, req: Requirements): string {
  const problems: string[] = [];
  if (req.cpuCores !== undefined && (facts.cpuCores ?? 0) < req.cpuCores) {
    problems.push(`${facts.cpuCores ?? "unknown"} CPUs, the pool needs ${req.cpuCores}`);
  }
  if (req.memoryBytes !== undefined && (facts.memoryBytes ?? 0) < req.memoryBytes) {
    const has = facts.memoryBytes === null ? "unknown memory" : `${gib(facts.memoryBytes)} memory`;
    problems.push(`${has}, the pool needs ${gib(req.memoryBytes)}`);
  }
  if (req.gpus !== undefined && req.gpus > 0 && facts.gpus.length < req.gpus) {
    const why =
      facts.nvidiaSmi === "absent"
        ? " (no nvidia-smi)"
        : facts.nvidiaSmi === "failed"
          ? " (nvidia-smi failed)"
          : "";
    problems.push(`${facts.gpus.length} GPUs${why}, the pool needs ${req.gpus}`);
  }
  if (problems.length > 0) throw new PreconditionError(`host too small: ${problems.join("; ")}`);
  return `${facts.cpuCores} CPUs, ${facts.memoryBytes === null ? "?" : gib(facts.memoryBytes)}, ${facts.gpus.length} GPUs`;
}

export function judgeCommands(kv: Map<string, string[]>): string {
  const missing = kv.get("missing") ?? [];
  if (missing.length > 0)
    throw new PreconditionError(`required commands not found on PATH: ${missing.join(", ")}`);
  return (kv.get("found") ?? []).join("\n");
}

export function judgeRuntime(facts: HostFacts): string {
  const rt = facts.containerRuntime;
  if (rt === null) throw new PreconditionError("no container runtime (containerd, cri-o or docker) found");
  if (!rt.active) throw new PreconditionError(`container runtime ${rt.name} is installed but not active`);
  return `${rt.name} ${rt.version ?? ""} active`.replace("  ", " ");
}

/** Swap on makes the kubelet refuse to start, unless the pool's prepare step turns it off. */
export function judgeSwap(kv: Map<string, string[]>, prepareHosts: boolean): string {
  const active = Number(first(kv, "swap_active") ?? 0);
  const fstab = Number(first(kv, "swap_fstab") ?? 0);
  if (active === 0 && fstab === 0) return "swap off";
  const what = `swap is ${active > 0 ? `on (${active} devices)` : "off"}, ${fstab} swap entries in /etc/fstab`;
  if (prepareHosts) return `${what}; prepare will turn it off`;
  throw new PreconditionError(`${what}: the kubelet needs swap off (or a pool that prepares hosts)`);
}

export function judgeTimeSync(kv: Map<string, string[]>): string {
  const synced = first(kv, "ntp_synchronized");
  const services = kv.get("time_service") ?? [];
  if (synced === "yes") return "clock synchronised (NTP)";
  if (services.length > 0) return `time service active: ${services.join(", ")}`;
  throw new PreconditionError(
    "clock not synchronised: no active NTP service (chrony, systemd-timesyncd, ntpd); certificates need a correct clock",
  );
}
