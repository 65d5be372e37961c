/**
 * Agent configuration from flags and environment (flags win), validated with
 * zod. `parseAgentConfig` is pure: it reads only its arguments, so it is tested
 * without touching the process. No error message and no masked view ever
 * contains a secret value.
 */
import os from "node:os";
import { parseArgs } from "node:util";
import { z } from "zod";
import type { LogLevel } from "../shared/logger.ts";
import { MASK } from "../shared/mask-secrets.ts";
import { AGENT_FIELDS, type FieldKey, fieldSpec } from "./config/fields.ts";
import {
  apiEndpointSchema,
  caCertHashSchema,
  concurrencySchema,
  controlPlaneUrlSchema,
  dnsLabelSchema,
  dnsSubdomainSchema,
  formatDurationMs,
  formatListenAddress,
  hostKeyPolicySchema,
  type ListenAddress,
  labelKeySchema,
  leaseDurationSchema,
  leaseTimingSchema,
  listenSchema,
  logLevelSchema,
  pathSchema,
  podNameSchema,
  secretTokenSchema,
  shutdownGraceSchema,
  snapshotIntervalSchema,
  syncIntervalSchema,
  tokenTtlSchema,
} from "./config/values.ts";
import type { HostKeyPolicy } from "./ssh/types.ts";

export { agentHelpText } from "./config/help.ts";
export type { ListenAddress } from "./config/values.ts";

export interface GrpcTlsConfig {
  certFile: string;
  keyFile: string;
  /** Set means mutual TLS: clients must present a certificate signed by this CA. */
  clientCaFile: string | null;
}

export interface AgentConfig {
  controlPlaneUrl: string;
  cluster: string;
  /** Either may be absent once a credential has been persisted. */
  registration: { token: string | null; tokenFile: string | null };
  /** where the credential is persisted: this file, unless `credentialSecret` names a Secret */
  credentialFile: string;
  /** a Secret in `lease.namespace`, written through the Kubernetes API */
  credentialSecret: string | null;
  grpc: { listen: ListenAddress; tls: GrpcTlsConfig | null };
  healthListen: ListenAddress;
  syncIntervalMs: number;
  /** the idle poll backoff's bound (agent/state/sync-loop.ts); never below syncIntervalMs */
  syncMaxIntervalMs: number;
  /** resource snapshots pushed to the control plane (agent/resources/) */
  snapshotIntervalMs: number;
  /** leader election (agent/leader/lease-leadership.ts): which Lease, who we are, and its timings */
  lease: {
    name: string;
    namespace: string;
    identity: string;
    durationMs: number;
    renewDeadlineMs: number;
    retryPeriodMs: number;
  };
  sshKeyDir: string | null;
  logLevel: LogLevel;
  kubeconfig: string | null;
  /** the node label CA reads the GPU type from (GPULabel RPC, template nodes) */
  gpuLabel: string;
  /** joining and removing machines */
  lifecycle: {
    /** overrides kube-public/cluster-info's server */
    apiServerEndpoint: string | null;
    /** overrides the hash computed from kube-public/cluster-info */
    caCertHash: string | null;
    hostKeyPolicy: HostKeyPolicy;
    /** machines worked on over SSH at once, all pools together */
    sshConcurrency: number;
    bootstrapTokenTtlMs: number;
    /** on shutdown, how long operations in flight may finish before they are aborted */
    shutdownGraceMs: number;
  };
}

export type AgentConfigResult = { ok: true; config: AgentConfig } | { ok: false; errors: string[] };

type Source = "flag" | "env" | "default";
type RawValues = Partial<Record<FieldKey, { text: string; source: Source }>>;

const schema = z.object({
  controlPlaneUrl: controlPlaneUrlSchema,
  cluster: dnsLabelSchema,
  registrationToken: secretTokenSchema.optional(),
  registrationTokenFile: pathSchema.optional(),
  credentialFile: pathSchema,
  credentialSecret: dnsSubdomainSchema.optional(),
  grpcListen: listenSchema,
  grpcTlsCert: pathSchema.optional(),
  grpcTlsKey: pathSchema.optional(),
  grpcTlsClientCa: pathSchema.optional(),
  healthListen: listenSchema,
  syncInterval: syncIntervalSchema,
  syncMaxInterval: syncIntervalSchema,
  snapshotInterval: snapshotIntervalSchema,
  leaseName: dnsSubdomainSchema,
  leaseNamespace: dnsLabelSchema,
  leaseDuration: leaseDurationSchema,
  leaseRenewDeadline: leaseTimingSchema,
  leaseRetryPeriod: leaseTimingSchema,
  podName: podNameSchema,
  sshKeyDir: pathSchema.optional(),
  logLevel: logLevelSchema,
  kubeconfig: pathSchema.optional(),
  gpuLabel: labelKeySchema,
  apiServerEndpoint: apiEndpointSchema.optional(),
  caCertHash: caCertHashSchema.optional(),
  sshHostKeyPolicy: hostKeyPolicySchema,
  sshConcurrency: concurrencySchema,
  bootstrapTokenTtl: tokenTtlSchema,
  shutdownGracePeriod: shutdownGraceSchema,
});

/** Flags the agent entry point understands besides the settings. */
export const AGENT_COMMAND_FLAGS = {
  help: { type: "boolean", short: "h" },
  version: { type: "boolean" },
} as const;

const parseOptions = {
  ...AGENT_COMMAND_FLAGS,
  ...Object.fromEntries(
    AGENT_FIELDS.filter((field) => field.flag).map((field) => [field.flag!, { type: "string" as const }]),
  ),
};

function label(key: FieldKey, source: Source | undefined): string {
  const spec = fieldSpec(key);
  return source === "env" || !spec.flag ? spec.env : `--${spec.flag}`;
}

/** Node's parseArgs messages name the option but never its value; we keep only the name. */
function describeArgvError(err: unknown): string {
  const message = err instanceof Error ? err.message : String(err);
  const option = /'(-{1,2}[^'\s=]+)/.exec(message)?.[1] ?? "arguments";
  const code = (err as { code?: string }).code;
  if (code === "ERR_PARSE_ARGS_UNKNOWN_OPTION") return `${option}: unknown option (see --help)`;
  if (code === "ERR_PARSE_ARGS_INVALID_OPTION_VALUE") return `${option}: requires a value`;
  return `${option}: cannot parse the command line`;
}

function collectRaw(
  argv: readonly string[],
  env: Readonly<Record<string, string | undefined>>,
  hostname: () => string,
): { raw: RawValues; errors: string[] } {
  let values: Record<string, string | boolean | undefined>;
  let positionals: string[];
  try {
    ({ values, positionals } = parseArgs({ args: [...argv], options: parseOptions, allowPositionals: true }));
  } catch (err) {
    return { raw: {}, errors: [describeArgvError(err)] };
  }
  // Positionals are reported by position only: one might be a token pasted in the wrong place.
  const errors = positionals.map((_, i) => `argument ${i + 1}: unexpected; the agent takes only --flags`);
  const raw: RawValues = {};
  for (const field of AGENT_FIELDS) {
    const fromFlag = field.flag ? values[field.flag] : undefined;
    const fromEnv = env[field.env];
    // An empty value counts as unset: manifests often template optional variables to "".
    if (typeof fromFlag === "string" && fromFlag !== "") raw[field.key] = { text: fromFlag, source: "flag" };
    else if (fromEnv !== undefined && fromEnv !== "") raw[field.key] = { text: fromEnv, source: "env" };
    else if (field.default !== undefined) raw[field.key] = { text: field.default, source: "default" };
  }
  raw.podName ??= { text: hostname(), source: "default" };
  return { raw, errors };
}

function crossFieldErrors(raw: RawValues): string[] {
  const errors: string[] = [];
  const where = (key: FieldKey) => label(key, raw[key]?.source);
  if (raw.grpcTlsCert && !raw.grpcTlsKey)
    errors.push(`${where("grpcTlsKey")}: is required when ${where("grpcTlsCert")} is set`);
  if (raw.grpcTlsKey && !raw.grpcTlsCert)
    errors.push(`${where("grpcTlsCert")}: is required when ${where("grpcTlsKey")} is set`);
  if (raw.grpcTlsClientCa && !(raw.grpcTlsCert && raw.grpcTlsKey)) {
    errors.push(`${where("grpcTlsClientCa")}: mutual TLS also needs --grpc-tls-cert and --grpc-tls-key`);
  }
  if (raw.registrationToken && raw.registrationTokenFile) {
    errors.push(`${where("registrationTokenFile")}: set either it or KSP_REGISTRATION_TOKEN, not both`);
  }
  return errors;
}

/**
 * The leader must give up before a standby may take over, and must get more
 * than one try in before it gives up (client-go's leaderelection rules).
 */
function leaseTimingErrors(
  v: { leaseDuration: number; leaseRenewDeadline: number; leaseRetryPeriod: number },
  raw: RawValues,
): string[] {
  const where = (key: FieldKey) => label(key, raw[key]?.source);
  const errors: string[] = [];
  if (v.leaseRenewDeadline >= v.leaseDuration) {
    errors.push(`${where("leaseRenewDeadline")}: must be shorter than ${where("leaseDuration")}`);
  }
  if (v.leaseRetryPeriod >= v.leaseRenewDeadline) {
    errors.push(`${where("leaseRetryPeriod")}: must be shorter than ${where("leaseRenewDeadline")}`);
  }
  return errors;
}

export function parseAgentConfig(
  argv: readonly string[],
  env: Readonly<Record<string, string | undefined>>,
  hostname: () => string = os.hostname,
): AgentConfigResult {
  const { raw, errors } = collectRaw(argv, env, hostname);
  if (errors.length > 0) return { ok: false, errors };
  const input = Object.fromEntries(Object.entries(raw).map(([key, value]) => [key, value.text]));
  const parsed = schema.safeParse(input);
  const seen = new Set<string>();
  if (!parsed.success) {
    for (const issue of parsed.error.issues) {
      const key = String(issue.path[0]) as FieldKey;
      if (seen.has(key)) continue; // the first problem per setting is enough to act on
      seen.add(key);
      const missing = raw[key] === undefined;
      const spec = fieldSpec(key);
      const hint = missing && spec.flag ? ` (pass --${spec.flag} or set ${spec.env})` : "";
      errors.push(`${label(key, raw[key]?.source)}: ${issue.message}${hint}`);
    }
  }
  errors.push(...crossFieldErrors(raw));
  if (!parsed.success || errors.length > 0) return { ok: false, errors };
  const v = parsed.data;
  const timing = leaseTimingErrors(v, raw);
  if (timing.length > 0) return { ok: false, errors: timing };
  const tls =
    v.grpcTlsCert && v.grpcTlsKey
      ? { certFile: v.grpcTlsCert, keyFile: v.grpcTlsKey, clientCaFile: v.grpcTlsClientCa ?? null }
      : null;
  return {
    ok: true,
    config: {
      controlPlaneUrl: v.controlPlaneUrl,
      cluster: v.cluster,
      registration: { token: v.registrationToken ?? null, tokenFile: v.registrationTokenFile ?? null },
      credentialFile: v.credentialFile,
      credentialSecret: v.credentialSecret ?? null,
      grpc: { listen: v.grpcListen, tls },
      healthListen: v.healthListen,
      syncIntervalMs: v.syncInterval,
      syncMaxIntervalMs: Math.max(v.syncInterval, v.syncMaxInterval),
      snapshotIntervalMs: v.snapshotInterval,
      lease: {
        name: v.leaseName,
        namespace: v.leaseNamespace,
        identity: v.podName,
        durationMs: v.leaseDuration,
        renewDeadlineMs: v.leaseRenewDeadline,
        retryPeriodMs: v.leaseRetryPeriod,
      },
      sshKeyDir: v.sshKeyDir ?? null,
      logLevel: v.logLevel,
      kubeconfig: v.kubeconfig ?? null,
      gpuLabel: v.gpuLabel,
      lifecycle: {
        apiServerEndpoint: v.apiServerEndpoint ?? null,
        caCertHash: v.caCertHash ?? null,
        hostKeyPolicy: v.sshHostKeyPolicy,
        sshConcurrency: v.sshConcurrency,
        bootstrapTokenTtlMs: v.bootstrapTokenTtl,
        shutdownGraceMs: v.shutdownGracePeriod,
      },
    },
  };
}

/** The config as it may be logged: secrets replaced by a mask, addresses and durations as typed. */
export function maskedAgentConfig(config: AgentConfig): Record<string, unknown> {
  const {
    registration,
    grpc,
    healthListen,
    syncIntervalMs,
    syncMaxIntervalMs,
    snapshotIntervalMs,
    lifecycle,
    lease,
    ...rest
  } = config;
  const { bootstrapTokenTtlMs, shutdownGraceMs, ...lifecycleRest } = lifecycle;
  const { durationMs, renewDeadlineMs, retryPeriodMs, ...leaseRest } = lease;
  return {
    ...rest,
    lease: {
      ...leaseRest,
      duration: formatDurationMs(durationMs),
      renewDeadline: formatDurationMs(renewDeadlineMs),
      retryPeriod: formatDurationMs(retryPeriodMs),
    },
    lifecycle: {
      ...lifecycleRest,
      bootstrapTokenTtl: formatDurationMs(bootstrapTokenTtlMs),
      shutdownGracePeriod: formatDurationMs(shutdownGraceMs),
    },
    registration: { token: registration.token === null ? null : MASK, tokenFile: registration.tokenFile },
    grpc: { listen: formatListenAddress(grpc.listen), tls: grpc.tls },
    healthListen: formatListenAddress(healthListen),
    syncInterval: formatDurationMs(syncIntervalMs),
    syncMaxInterval: formatDurationMs(syncMaxIntervalMs),
    snapshotInterval: formatDurationMs(snapshotIntervalMs),
  };
}
