/** The values the preflight pipeline reads, validated (see inputs.ts for the other pipelines). */
import {
  type Endpoint,
  ValidationError,
  validateCaCertHash,
  validateEndpoint,
  validateProviderId,
} from "../quote.ts";

/** What the machine must have at least: the pool template's capacity, decided by the caller. */
export interface Requirements {
  cpuCores?: number;
  memoryBytes?: number;
  gpus?: number;
}

export interface PreflightInput {
  endpoint: Endpoint;
  /** the cluster's CA pin, to recognise it in an existing kubelet.conf */
  caCertHash?: string;
  /** the providerID this machine would get; a node joined here under another one fails */
  providerId?: string;
  requirements: Requirements;
  /** Kubernetes arch names the pool accepts */
  architectures: string[];
  /** kubeadm, kubelet and the runtime CLI */
  commands: string[];
  /** the pool prepares hosts, so swap that prepare turns off is not a failure */
  prepareHosts: boolean;
  tcpTimeoutSeconds: number;
}

export const PREFLIGHT_SECRETS = ["caCertHash"] as const;
export const DEFAULT_ARCHITECTURES = ["amd64", "arm64"];
export const DEFAULT_RUNTIME_CLI = "crictl";
const COMMAND_NAME = /^[a-z0-9][a-z0-9._+-]{0,63}$/;

function count(value: unknown, field: string): number | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value !== "number" || !Number.isSafeInteger(value) || value < 0) {
    throw new ValidationError(field, `invalid ${field}: must be a non-negative integer`);
  }
  return value;
}

function names(value: unknown, field: string, fallback: string[]): string[] {
  if (value === undefined || value === null) return fallback;
  const list = typeof value === "string" ? [value] : value;
  if (!Array.isArray(list) || list.some((v) => typeof v !== "string" || !COMMAND_NAME.test(v))) {
    throw new ValidationError(field, `invalid ${field}: names of a-z 0-9 . _ + - only`);
  }
  return list as string[];
}

export function parsePreflightInput(values: Readonly<Record<string, unknown>>): PreflightInput {
  const req = values.requirements;
  if (req !== undefined && (req === null || typeof req !== "object" || Array.isArray(req))) {
    throw new ValidationError(
      "requirements",
      "invalid requirements: must be {cpuCores?, memoryBytes?, gpus?}",
    );
  }
  const r = (req ?? {}) as Record<string, unknown>;
  const requirements: Requirements = {};
  const cpuCores = count(r.cpuCores, "requirements.cpuCores");
  const memoryBytes = count(r.memoryBytes, "requirements.memoryBytes");
  const gpus = count(r.gpus, "requirements.gpus");
  if (cpuCores !== undefined) requirements.cpuCores = cpuCores;
  if (memoryBytes !== undefined) requirements.memoryBytes = memoryBytes;
  if (gpus !== undefined) requirements.gpus = gpus;
  const runtimeCli = names(values.runtimeCli, "runtimeCli", [DEFAULT_RUNTIME_CLI]);
  const input: PreflightInput = {
    endpoint: validateEndpoint(values.apiEndpoint),
    requirements,
    architectures: names(values.architectures, "architectures", DEFAULT_ARCHITECTURES),
    commands: ["kubeadm", "kubelet", ...runtimeCli],
    prepareHosts: values.prepareHosts === true,
    tcpTimeoutSeconds: Math.max(1, count(values.tcpTimeoutSeconds, "tcpTimeoutSeconds") ?? 5),
  };
  if (values.caCertHash !== undefined && values.caCertHash !== null) {
    input.caCertHash = validateCaCertHash(values.caCertHash);
  }
  if (values.providerId !== undefined && values.providerId !== null) {
    input.providerId = validateProviderId(values.providerId);
  }
  return input;
}
