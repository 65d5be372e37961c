/**
 * Is the host a node already, and of which cluster? The kubelet-state
 * script reports what is on disk; `judgeMembership` decides. The cluster is
 * recognised by its CA (the discovery hash) when both sides know it, else by
 * the API server address in kubelet.conf.
 */
import { PreconditionError } from "../errors.ts";
import type { Endpoint } from "../quote.ts";
import { KUBELET_STATE_SCRIPT } from "../scripts/kubelet-state.ts";
import type { StepContext } from "../types.ts";
import { first, keyValues, runScript } from "./run.ts";

export interface KubeletState {
  /** /etc/kubernetes/kubelet.conf exists: the host completed a join */
  joined: boolean;
  /** kubelet.conf's server, e.g. https://10.0.0.1:6443 */
  server: string | null;
  providerId: string | null;
  /** sha256:<hex> of the cluster CA's public key, when openssl could read it */
  caCertHash: string | null;
  kubeletActive: boolean;
  /** files an unfinished join leaves behind */
  leftovers: string[];
}

export function parseKubeletState(stdout: string): KubeletState {
  const kv = keyValues(stdout);
  return {
    joined: first(kv, "kubelet_conf") === "yes",
    server: first(kv, "server")?.trim() || null,
    providerId: first(kv, "provider_id")?.trim() || null,
    caCertHash: first(kv, "ca_hash") ?? null,
    kubeletActive: first(kv, "kubelet_active") === "yes",
    leftovers: kv.get("leftover") ?? [],
  };
}

export async function readKubeletState(ctx: StepContext, timeoutMs: number): Promise<KubeletState> {
  const { stdout } = await runScript(ctx, KUBELET_STATE_SCRIPT, {}, timeoutMs);
  return parseKubeletState(stdout);
}

export interface ExpectedCluster {
  endpoint: Endpoint;
  caCertHash?: string;
  /** the providerID this machine must have; absent: any */
  providerId?: string;
}

/** host:port of a kubeconfig server URL (https default port 443), lowercased. */
export function serverAddress(server: string): string {
  const m = /^(?:https?:\/\/)?(\[[^\]]+\]|[^/:]+)(?::(\d+))?/.exec(server.trim());
  if (!m) return server.trim().toLowerCase();
  return `${m[1]}:${m[2] ?? "443"}`.toLowerCase();
}

export type Membership = "not-joined" | "joined-here";

/**
 * not-joined, or joined-here with the expected providerID. Joined to another
 * cluster, or to this one under another providerID: PreconditionError
 * (the machine must be reset by a person or the reset pipeline first).
 */
export function judgeMembership(state: KubeletState, expected: ExpectedCluster): Membership {
  if (!state.joined) return "not-joined";
  const here =
    state.caCertHash !== null && expected.caCertHash !== undefined
      ? state.caCertHash === expected.caCertHash
      : state.server !== null && serverAddress(state.server) === serverAddress(expected.endpoint.text);
  if (!here) {
    throw new PreconditionError(
      `host is already joined to another cluster (kubelet.conf server ${state.server ?? "unknown"}` +
        `${state.caCertHash ? `, CA ${state.caCertHash}` : ""}); expected ${expected.endpoint.text}`,
    );
  }
  if (expected.providerId !== undefined && state.providerId !== expected.providerId) {
    throw new PreconditionError(
      `host is joined to this cluster with providerID ${state.providerId ?? "(none)"}, expected ${expected.providerId}`,
    );
  }
  return "joined-here";
}
