/**
 * What the agent needs from the control plane (`/v1/agent/*`), as one small
 * interface: the domain depends on this, the composition root wires the HTTP
 * implementation (http-control-plane.ts), and tests an in-memory one.
 * Registration is separate (register.ts): it runs before a credential exists.
 */
import type {
  AgentSshKey,
  AgentState,
  AllocationRequest,
  AllocationResponse,
  HeartbeatRequest,
  HeartbeatResponse,
  HostKeyPin,
  HostKeysResponse,
  ScalingRefusalRequest,
  ScalingRefusalResponse,
  SnapshotsRequest,
  SnapshotsResponse,
  TransitionItem,
  TransitionsResponse,
} from "../../proto/agent-api.ts";

export interface CallOptions {
  /** give up (retries included) at this time; default: the implementation's own budget */
  deadline?: Date;
  /** at most this many attempts (1: no retry); default: the implementation's own */
  attempts?: number;
}

/** A stored SSH key released for one machine (GET /v1/agent/machines/{id}/ssh-key); memory only, never logged. */
export type StoredSshKey = AgentSshKey;

export type StateResult =
  | { notModified: true }
  | { notModified: false; state: AgentState; etag: string | null };

export interface ControlPlane {
  /** GET /v1/agent/state; `etag` from the last full answer turns an unchanged state into `notModified` */
  state(etag: string | null, options?: CallOptions): Promise<StateResult>;
  /** POST /v1/agent/allocations; idempotent by requestId, so safe to retry */
  allocate(request: AllocationRequest, options?: CallOptions): Promise<AllocationResponse>;
  /** POST /v1/agent/transitions; per-item results, never a whole-batch conflict */
  transitions(items: TransitionItem[], options?: CallOptions): Promise<TransitionsResponse>;
  heartbeat(request: HeartbeatRequest, options?: CallOptions): Promise<HeartbeatResponse>;
  /** POST /v1/agent/host-keys; stores keys learned on first use, per-item results (a different pinned key is a conflict) */
  pinHostKeys(items: HostKeyPin[], options?: CallOptions): Promise<HostKeysResponse>;
  /** POST /v1/agent/snapshots; per-pool and whole-cluster resource figures, stored as raw snapshots */
  snapshots(request: SnapshotsRequest, options?: CallOptions): Promise<SnapshotsResponse>;
  /** POST /v1/agent/scaling-refusals; a scale request the agent refused itself, for the pool's status */
  reportScalingRefusal(
    request: ScalingRefusalRequest,
    options?: CallOptions,
  ): Promise<ScalingRefusalResponse>;
  /**
   * GET /v1/agent/machines/{id}/ssh-key: the stored key for a machine allocated to this cluster;
   * null (404 not_found) when it is not ours (any more) or its key ref names no stored key
   */
  fetchSshKey(machineId: string, options?: CallOptions): Promise<StoredSshKey | null>;
}
