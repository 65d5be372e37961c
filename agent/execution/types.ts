/**
 * Execution: the work the lifecycle does ON a machine, over SSH. The
 * reconciler (agent/reconciler/) decides what a machine needs and asks for it
 * through this interface; the real implementation runs the built-in
 * pipelines (ssh-machine-work.ts), tests use scripted ones. Nothing here
 * reports transitions or talks to Kubernetes: that is the reconciler's job.
 */
import type { AgentMachine, AgentPool } from "../../proto/agent-api.ts";
import type { ClusterJoinInfo, NodeTaint } from "../kubernetes/types.ts";
import type { Requirements } from "../pipeline/pipelines/preflight-input.ts";
import type { SshErrorClass } from "../ssh/types.ts";

/** Everything a join needs; the token is a secret and never leaves the pipeline's values. */
export interface JoinSpec {
  machine: AgentMachine;
  poolName: string;
  nodeName: string;
  providerId: string;
  cluster: ClusterJoinInfo;
  /** the batch's bootstrap token, `<id>.<secret>` */
  token: string;
  /** labels the kubelet may set itself (--node-labels); the rest are patched once the Node exists */
  kubeletLabels: Record<string, string>;
  taints: NodeTaint[];
  hooks: AgentPool["hooks"];
  requirements: Requirements;
  prepareHosts: boolean;
  kubeadmConfigVersion: AgentPool["lifecycle"]["kubeadmConfigVersion"];
}

export interface ResetSpec {
  machine: AgentMachine;
  poolName: string;
  nodeName: string;
  providerId: string;
  hooks: AgentPool["hooks"];
}

export interface WorkFailure {
  /** the step that failed, e.g. "join.kubeadm-join" */
  step: string;
  errorClass: SshErrorClass;
  message: string;
  /** the step's last output lines, secrets masked */
  outputTail: string;
  /** false: nothing ran on the host (no session was ever opened), so nothing there needs undoing */
  touchedHost: boolean;
  /** the machine is not to blame (the control plane could not store its host key, the run was cancelled): try later */
  transient?: true;
}

export type WorkOutcome = { ok: true } | { ok: false; failure: WorkFailure };

export interface MachineWork {
  /** preflight (and prepare, when the pool opts in) then join; resolves, never rejects */
  join(spec: JoinSpec, signal: AbortSignal): Promise<WorkOutcome>;
  /** the reset pipeline (idempotent: a clean host passes as already done); resolves, never rejects */
  reset(spec: ResetSpec, signal: AbortSignal): Promise<WorkOutcome>;
  /**
   * The health check's cheap probe: the machine answers a bare `echo` over
   * SSH, with its key and against its pinned host key (a mismatch fails the
   * probe); resolves, never rejects.
   */
  probe(machine: AgentMachine, signal: AbortSignal): Promise<WorkOutcome>;
}

/** Where a host key learned on first use is kept (the control plane): resolves with the key that holds. */
export interface HostKeyPins {
  /**
   * Stores `fingerprint` for the machine unless another is pinned already;
   * resolves with the pinned one (ours, or the earlier one, which then wins).
   */
  pin(machineId: string, fingerprint: string): Promise<string>;
}
