/**
 * One read-only health check of a cluster's API server through its imported
 * kubeconfig: the version, the Nodes (total, Ready) and their summed CPU and
 * memory. Two implementations: plain `fetch` (Workers, and anywhere; bearer
 * token and basic auth against a publicly trusted certificate only) and
 * node:https (the Node control plane; any kubeconfig we accept). The health
 * worker (jobs/probe-clusters.ts) gets one from its composition root.
 */
import type { ParsedKubeconfig } from "../kubeconfig/types.ts";

export interface ResourceTotals {
  cpuMillis: number;
  memoryBytes: number;
}

export interface ApiServerFigures {
  /** /version's gitVersion, e.g. "v1.31.2" */
  gitVersion: string;
  nodes: { total: number; ready: number };
  capacity: ResourceTotals;
  allocatable: ResourceTotals;
}

export type ProbeFailureKind = "unauthorized" | "unreachable";

export type ProbeResult =
  | ({ reachable: true; latencyMs: number } & ApiServerFigures)
  | {
      reachable: false;
      /** unauthorized: 401/403; unreachable: no answer, a timeout, TLS, 5xx, or not a Kubernetes API */
      kind: ProbeFailureKind;
      /** short, for people; never contains a credential */
      error: string;
      /** /version answered before the failure (it needs no credentials on most clusters) */
      gitVersion?: string;
      latencyMs?: number;
      /** retrying cannot help (a kubeconfig this runtime cannot use) */
      final?: boolean;
    };

export interface ProbeOptions {
  /** the whole check (every request) must finish within this */
  timeoutMs: number;
  signal?: AbortSignal;
}

export interface ApiServerProbe {
  check(kubeconfig: ParsedKubeconfig, options: ProbeOptions): Promise<ProbeResult>;
}

/** One GET's answer, as a transport hands it to the runtime-neutral check (check.ts). */
export interface ProbeResponse {
  status: number;
  body: string;
}

/**
 * A runtime's way of sending one authenticated GET to the API server. Throws
 * ProbeTransportError for anything that is not an HTTP answer (refused,
 * reset, TLS, timeout).
 */
export type ProbeGet = (path: string, signal: AbortSignal) => Promise<ProbeResponse>;

export class ProbeTransportError extends Error {
  override readonly name = "ProbeTransportError";
}
