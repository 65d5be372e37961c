/**
 * An in-memory ControlPlane for agent tests. It follows the real control
 * plane's rules closely enough for the agent to notice no difference: weak
 * ETags of the state version, allocations idempotent by requestId with the
 * same typed refusals and counts, guarded per-item transitions with
 * stale_version details, versions bumped on every change. Tests steer it:
 * an outage, one-off failures, latency, and a gate that holds a state answer
 * (read now, delivered later) to play a stale poll.
 */

import { ControlPlaneError } from "../../../agent/control-plane/errors.ts";
import type { CallOptions, ControlPlane, StateResult } from "../../../agent/control-plane/types.ts";
import type {
  AgentMachine,
  AgentPool,
  AgentState,
  AllocationRequest,
  AllocationResponse,
  HeartbeatRequest,
  HeartbeatResponse,
  HostKeyPin,
  HostKeyResult,
  HostKeysResponse,
  SnapshotsRequest,
  SnapshotsResponse,
  TransitionItem,
  TransitionResult,
  TransitionsResponse,
} from "../../../proto/agent-api.ts";
import { canTransition } from "../../../proto/machine-states.ts";
import { fixtureState } from "./fixtures.ts";

export type FakeMethod = "state" | "allocate" | "transitions" | "heartbeat" | "pinHostKeys" | "snapshots";

const refusal = (status: number, code: string, message: string, details?: Record<string, unknown>) =>
  new ControlPlaneError({ kind: "http", status, code, message, details });

export class FakeControlPlane implements ControlPlane {
  readonly clusterId: string;
  stateVersion: number;
  pools: AgentPool[];
  machines: AgentMachine[];
  /** every call, in order */
  readonly calls: { method: FakeMethod; options?: CallOptions; args: unknown }[] = [];
  /** snapshots accepted (after pool checks), oldest first */
  readonly snapshotsReceived: SnapshotsRequest[] = [];
  /** added before every answer */
  latencyMs = 0;
  private outage = false;
  private readonly failures: { method: FakeMethod; error: Error }[] = [];
  private readonly allocations = new Map<string, AllocationResponse>();
  private stateGate: Promise<void> | null = null;

  constructor(init: { clusterId?: string; pools?: AgentPool[]; machines?: AgentMachine[] } = {}) {
    const state = fixtureState(init);
    this.clusterId = state.clusterId;
    this.stateVersion = state.stateVersion;
    this.pools = state.pools;
    this.machines = state.machines;
  }

  /** Every call fails as unreachable until set back to false. */
  setOutage(on: boolean): void {
    this.outage = on;
  }

  /** The next call of `method` fails with `error` (default: unreachable). */
  failNext(method: FakeMethod, error?: Error): void {
    this.failures.push({
      method,
      error: error ?? new ControlPlaneError({ kind: "unreachable", message: `${method}: injected failure` }),
    });
  }

  /** State answers read from now on are held until the returned function is called. */
  holdStateAnswers(): () => void {
    let release!: () => void;
    const gate = new Promise<void>((resolve) => {
      release = resolve;
    });
    this.stateGate = gate;
    return () => {
      // a later hold stays in place
      if (this.stateGate === gate) this.stateGate = null;
      release();
    };
  }

  /** Changes made behind the agent's back (an operator, another process): bumps the state version. */
  change(fn: (fake: this) => void): void {
    fn(this);
    this.stateVersion++;
  }

  etag(): string {
    return `W/"${this.clusterId}:${this.stateVersion}"`;
  }

  snapshot(): AgentState {
    return structuredClone({
      clusterId: this.clusterId,
      stateVersion: this.stateVersion,
      pools: this.pools,
      machines: this.machines,
    });
  }

  count(method: FakeMethod): number {
    return this.calls.filter((c) => c.method === method).length;
  }

  machine(id: string): AgentMachine {
    const found = this.machines.find((m) => m.id === id);
    if (!found) throw new Error(`fake control plane: no machine ${id}`);
    return found;
  }

  async state(etag: string | null, options?: CallOptions): Promise<StateResult> {
    // read when the request arrives (at once); latency and the gate only delay the answer
    const answer: StateResult =
      etag === this.etag()
        ? { notModified: true }
        : { notModified: false, state: this.snapshot(), etag: this.etag() };
    await this.enter("state", { etag }, options);
    if (this.stateGate) await this.stateGate;
    return answer;
  }

  async allocate(request: AllocationRequest, options?: CallOptions): Promise<AllocationResponse> {
    await this.enter("allocate", request, options);
    const replay = this.allocations.get(request.requestId);
    if (replay) return structuredClone({ ...replay, created: false });
    const pool = this.pools.find((p) => p.id === request.poolId);
    if (!pool) throw refusal(404, "not_found", `pool ${request.poolId} not found`);
    if (!pool.autoscalingEnabled) throw refusal(409, "pool_disabled", `pool ${pool.name} is disabled`);
    const current = this.machines.filter(
      (m) => m.poolId === pool.id && ["reserved", "joining", "ready"].includes(m.status),
    ).length;
    if (current + request.delta > pool.maxSize) {
      throw refusal(409, "pool_at_max", "pool at max", {
        current,
        max: pool.maxSize,
        requested: request.delta,
      });
    }
    const free = this.machines.filter(
      (m) => m.status === "available" && (m.poolId === null || m.poolId === pool.id),
    );
    if (free.length < request.delta) {
      throw refusal(409, "not_enough_machines", "not enough machines", {
        requested: request.delta,
        available: free.length,
      });
    }
    const chosen = free.slice(0, request.delta);
    for (const m of chosen) {
      Object.assign(m, {
        status: "reserved",
        desiredState: "joined",
        poolId: pool.id,
        providerId: `ksp://${m.id}`,
        version: m.version + 1,
        statusChangedAt: new Date().toISOString(),
      });
    }
    this.stateVersion++;
    const answer: AllocationResponse = {
      allocationId: `alloc-${this.allocations.size + 1}`,
      requestId: request.requestId,
      poolId: pool.id,
      delta: request.delta,
      created: true,
      createdAt: new Date().toISOString(),
      machines: chosen.map((m) => ({
        id: m.id,
        providerId: m.providerId,
        hostname: m.hostname,
        ip: m.ip,
        ssh: m.ssh,
        hostKeyFingerprint: m.hostKeyFingerprint,
        status: m.status,
        version: m.version,
        labels: m.labels,
        taints: m.taints,
      })),
    };
    this.allocations.set(request.requestId, answer);
    return structuredClone(answer);
  }

  async transitions(items: TransitionItem[], options?: CallOptions): Promise<TransitionsResponse> {
    await this.enter("transitions", items, options);
    const results = items.map((item) => this.applyTransition(item));
    const applied = results.filter((r) => r.ok).length;
    if (applied > 0) this.stateVersion++;
    return { results, summary: { applied, failed: results.length - applied } };
  }

  async heartbeat(request: HeartbeatRequest, options?: CallOptions): Promise<HeartbeatResponse> {
    await this.enter("heartbeat", request, options);
    return { receivedAt: new Date().toISOString(), stateVersion: this.stateVersion };
  }

  /** Pins a key only where none is, like the real route: the same key again is "unchanged", another a conflict. */
  async pinHostKeys(items: HostKeyPin[], options?: CallOptions): Promise<HostKeysResponse> {
    await this.enter("pinHostKeys", items, options);
    const results = items.map((item): HostKeyResult => {
      const m = this.machines.find((x) => x.id === item.machineId);
      if (!m) {
        return {
          machineId: item.machineId,
          ok: false,
          error: { code: "not_found", message: `machine ${item.machineId} not found` },
        };
      }
      if (m.hostKeyFingerprint === null) {
        m.hostKeyFingerprint = item.fingerprint;
        return { machineId: m.id, ok: true, pinned: true, fingerprint: item.fingerprint };
      }
      if (m.hostKeyFingerprint === item.fingerprint) {
        return { machineId: m.id, ok: true, pinned: false, fingerprint: item.fingerprint };
      }
      return {
        machineId: m.id,
        ok: false,
        error: {
          code: "conflict",
          message: `machine ${m.id} already has another host key pinned`,
          details: { pinned: m.hostKeyFingerprint },
        },
      };
    });
    const pinned = results.filter((r) => r.ok && r.pinned).length;
    const failed = results.filter((r) => !r.ok).length;
    if (pinned > 0) this.stateVersion++;
    return { results, summary: { pinned, unchanged: results.length - pinned - failed, failed } };
  }

  /** Stores the push like the real route: every pool must be one of the cluster's, or nothing is kept (404). */
  async snapshots(request: SnapshotsRequest, options?: CallOptions): Promise<SnapshotsResponse> {
    await this.enter("snapshots", request, options);
    const unknown = request.pools.find((p) => !this.pools.some((pool) => pool.id === p.poolId));
    if (unknown) throw refusal(404, "not_found", `pool ${unknown.poolId} not found`);
    this.snapshotsReceived.push(structuredClone(request));
    return {
      capturedAt: request.capturedAt ?? new Date().toISOString(),
      recorded: request.pools.length + (request.cluster ? 1 : 0),
    };
  }

  private applyTransition(item: TransitionItem): TransitionResult {
    const m = this.machines.find((x) => x.id === item.machineId);
    const fail = (
      code: "not_found" | "stale_version" | "illegal_transition",
      details?: Record<string, unknown>,
    ) => ({
      machineId: item.machineId,
      ok: false as const,
      error: { code, message: `${code} for ${item.machineId}`, ...(details ? { details } : {}) },
    });
    if (!m) return fail("not_found");
    if (
      m.status !== item.from ||
      (item.expectedVersion !== undefined && item.expectedVersion !== m.version)
    ) {
      return fail("stale_version", {
        expectedStatus: item.from,
        actualStatus: m.status,
        expectedVersion: item.expectedVersion ?? null,
        actualVersion: m.version,
      });
    }
    if (!canTransition(item.from, item.to))
      return fail("illegal_transition", { from: item.from, to: item.to });
    m.status = item.to;
    m.version++;
    m.statusReason = item.reason ?? null;
    m.statusChangedAt = new Date().toISOString();
    // like the control plane's transition patch: the reporter's node name and error are kept
    if (item.nodeName !== undefined) m.nodeName = item.nodeName;
    if (item.lastError !== undefined) m.lastError = item.lastError;
    if (item.to === "available") Object.assign(m, { providerId: null, nodeName: null, poolId: null });
    return { machineId: m.id, ok: true, machine: { status: m.status, version: m.version } };
  }

  private async enter(method: FakeMethod, args: unknown, options?: CallOptions): Promise<void> {
    this.calls.push({ method, args, ...(options ? { options } : {}) });
    if (this.latencyMs > 0) await new Promise((resolve) => setTimeout(resolve, this.latencyMs));
    if (this.outage) {
      throw new ControlPlaneError({ kind: "unreachable", message: `${method}: control plane down (fake)` });
    }
    const index = this.failures.findIndex((f) => f.method === method);
    if (index >= 0) throw this.failures.splice(index, 1)[0]!.error;
  }
}
