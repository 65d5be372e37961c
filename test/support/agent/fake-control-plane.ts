/**
 * An in-memory ControlPlane for agent tests. It follows the real control
 * plane's rules the agent relies on, and the contract suite
 * (test/support/contracts/control-plane-contract.ts) runs against both to
 * keep it so: requests checked with the protocol's schemas (400
 * validation_failed), weak ETags of the state version, allocations
 * idempotent by requestId (replayed as the machines are now, a reused id
 * with another body a conflict) with the same typed refusals and counts,
 * guarded per-item transitions (reserving refused, legality before the
 * guard, stale_version details, the release rule, a drain ending as its
 * intent says), host keys pinned only
 * where none is, one-time registration tokens and replaceable credentials,
 * and stored SSH keys released only for the cluster's in-use machines (one
 * "not stored" answer, null, for everything else).
 *
 * A machine with no pool stands for the free inventory: candidates for any
 * pool's allocation, and, as in the real state, not part of the cluster's
 * state until reserved (nor after a release gives it back).
 *
 * Calling the fake directly is calling with the cluster's current credential;
 * `withCredential` gives the view of an agent holding a given one. Tests
 * steer it: an outage, one-off failures, latency, and a gate that holds a
 * state answer (read now, delivered later) to play a stale poll.
 */

import { createHash, randomUUID } from "node:crypto";
import { ControlPlaneError } from "../../../agent/control-plane/errors.ts";
import type { Registration } from "../../../agent/control-plane/register.ts";
import type {
  CallOptions,
  ControlPlane,
  StateResult,
  StoredSshKey,
} from "../../../agent/control-plane/types.ts";
import {
  type AgentMachine,
  type AgentPool,
  type AgentState,
  type AllocationRequest,
  AllocationRequestSchema,
  type AllocationResponse,
  type HeartbeatRequest,
  HeartbeatRequestSchema,
  type HeartbeatResponse,
  type HostKeyPin,
  type HostKeyResult,
  HostKeysRequestSchema,
  type HostKeysResponse,
  type RegisterAgentRequest,
  RegisterAgentRequestSchema,
  type ScalingRefusalRequest,
  ScalingRefusalRequestSchema,
  type ScalingRefusalResponse,
  type SnapshotsRequest,
  SnapshotsRequestSchema,
  type SnapshotsResponse,
  type TransitionItem,
  type TransitionResult,
  TransitionsRequestSchema,
  type TransitionsResponse,
} from "../../../proto/agent-api.ts";
import { canTransition, IN_USE_STATES } from "../../../proto/machine-states.ts";
import { providerIdFor } from "../../../proto/provider-id.ts";
import {
  allocatedView,
  credentialRefused,
  DEFAULT_SSH_KEY_NAME,
  desiredStateOf,
  inFreeInventory,
  RESERVE_REASON,
  refusal,
  registrationRefused,
  unpadded,
  validated,
} from "./fake-control-plane-rules.ts";
import { fixtureState } from "./fixtures.ts";

export type FakeMethod =
  | "state"
  | "allocate"
  | "transitions"
  | "heartbeat"
  | "pinHostKeys"
  | "snapshots"
  | "reportScalingRefusal"
  | "fetchSshKey"
  | "register";

/** A key in the fake's SSH key store (the ssh_keys table, decrypted). */
export interface FakeStoredKey {
  privateKey: string;
  passphrase?: string;
  fingerprint: string;
  version: number;
}

interface RecordedAllocation {
  answer: Omit<AllocationResponse, "machines" | "created">;
  machineIds: string[];
}

export class FakeControlPlane implements ControlPlane {
  readonly clusterId: string;
  readonly clusterName: string;
  stateVersion: number;
  pools: AgentPool[];
  /** the cluster's machines and, with no pool, the free inventory */
  machines: AgentMachine[];
  /** every call, in order (those refused for their credential excepted) */
  readonly calls: { method: FakeMethod; options?: CallOptions; args: unknown }[] = [];
  /** snapshots accepted (after pool checks), oldest first */
  readonly snapshotsReceived: SnapshotsRequest[] = [];
  /** scaling refusals the agent reported (after pool checks), oldest first */
  readonly refusalsReceived: ScalingRefusalRequest[] = [];
  /** stored SSH keys released to the agent, oldest first (the audit rows: never the key) */
  readonly sshKeyReleases: { machineId: string; keyRef: string; fingerprint: string; version: number }[] = [];
  /** added before every answer */
  latencyMs = 0;
  /** the SSH key store, by name */
  private readonly sshKeys = new Map<string, FakeStoredKey>();
  private outage = false;
  private readonly failures: { method: FakeMethod; error: Error }[] = [];
  private readonly allocations = new Map<string, RecordedAllocation>();
  /** machines whose latest reservation took them from the free inventory (release-patch.ts) */
  private readonly reservedFromFree = new Set<string>();
  private stateGate: Promise<void> | null = null;
  private credential = newCredential();
  private registrationToken: string | null = null;

  constructor(
    init: { clusterId?: string; clusterName?: string; pools?: AgentPool[]; machines?: AgentMachine[] } = {},
  ) {
    const state = fixtureState(init);
    this.clusterId = state.clusterId;
    this.clusterName = init.clusterName ?? `cluster-${state.clusterId.slice(0, 8)}`;
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

  /** An operator issues a one-time registration token; it replaces any earlier one. */
  issueRegistrationToken(): string {
    this.registrationToken = `fake-registration-${randomUUID()}`;
    return this.registrationToken;
  }

  /** Replaces the agent credential (POST /v1/agent/credential/rotate): the previous one is refused from now on. */
  rotateCredential(): string {
    this.credential = newCredential();
    return this.credential;
  }

  /** The ControlPlane as an agent holding `credential` calls it: refused (401) unless it is the current one. */
  withCredential(credential: () => string): ControlPlane {
    const checked =
      <A extends unknown[], R>(call: (...args: A) => Promise<R>) =>
      async (...args: A): Promise<R> => {
        // a control plane that is down answers nothing, not even a refusal
        if (!this.outage && credential() !== this.credential) throw credentialRefused();
        return call(...args);
      };
    return {
      state: checked(this.state.bind(this)),
      allocate: checked(this.allocate.bind(this)),
      transitions: checked(this.transitions.bind(this)),
      heartbeat: checked(this.heartbeat.bind(this)),
      pinHostKeys: checked(this.pinHostKeys.bind(this)),
      snapshots: checked(this.snapshots.bind(this)),
      reportScalingRefusal: checked(this.reportScalingRefusal.bind(this)),
      fetchSshKey: checked(this.fetchSshKey.bind(this)),
    };
  }

  /**
   * An operator stores (or, for a name already there, rotates: version+1) an
   * SSH key. The fingerprint stands in for the public key's; by default a
   * digest of the text, which is all the agent compares.
   */
  storeSshKey(name: string, key: { privateKey: string; passphrase?: string; fingerprint?: string }): void {
    const version = (this.sshKeys.get(name)?.version ?? 0) + 1;
    const fingerprint =
      key.fingerprint ??
      `SHA256:${createHash("sha256").update(key.privateKey).digest("base64").replace(/=+$/, "")}`;
    this.sshKeys.set(name, {
      privateKey: key.privateKey,
      ...(key.passphrase !== undefined ? { passphrase: key.passphrase } : {}),
      fingerprint,
      version,
    });
  }

  /** An operator deletes a stored key (the real one refuses while machines use it; the fake does not judge). */
  deleteSshKey(name: string): void {
    this.sshKeys.delete(name);
  }

  etag(): string {
    return `W/"${this.clusterId}:${this.stateVersion}"`;
  }

  /** The state as GET /v1/agent/state answers it: the cluster's pools and machines, not the free inventory. */
  snapshot(): AgentState {
    return structuredClone({
      clusterId: this.clusterId,
      stateVersion: this.stateVersion,
      pools: this.pools,
      machines: this.machines
        .filter((m) => !inFreeInventory(m))
        .map((m) => ({ ...m, desiredState: desiredStateOf(m.status) })),
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

  /** register-agent.ts: the token is consumed by the first good call; a wrong cluster name leaves it usable. */
  async register(request: RegisterAgentRequest): Promise<Registration> {
    await this.enter("register", { ...request, registrationToken: "***" });
    const body = validated(RegisterAgentRequestSchema, request, "register");
    const nameMatches = body.clusterName === undefined || body.clusterName === this.clusterName;
    if (
      this.registrationToken === null ||
      body.registrationToken !== this.registrationToken ||
      !nameMatches
    ) {
      throw registrationRefused();
    }
    this.registrationToken = null;
    this.credential = newCredential();
    return { clusterId: this.clusterId, clusterName: this.clusterName, credential: this.credential };
  }

  /** allocate-machines.ts, reserve-machines.ts, candidates.ts. */
  async allocate(request: AllocationRequest, options?: CallOptions): Promise<AllocationResponse> {
    await this.enter("allocate", request, options);
    const body = validated(AllocationRequestSchema, request, "allocate");
    const earlier = this.allocations.get(body.requestId);
    if (earlier) return this.replay(earlier, body);
    const pool = this.pools.find((p) => p.id === body.poolId);
    if (!pool) {
      throw refusal(404, "not_found", `pool ${body.poolId} not found in cluster ${this.clusterId}`, {
        poolId: body.poolId,
        clusterId: this.clusterId,
      });
    }
    if (!pool.autoscalingEnabled) {
      throw refusal(409, "pool_disabled", `autoscaling is disabled for pool ${pool.name}`, {
        poolId: pool.id,
      });
    }
    const current = this.machines.filter(
      (m) => m.poolId === pool.id && IN_USE_STATES.includes(m.status),
    ).length;
    if (current + body.delta > pool.maxSize) {
      throw refusal(409, "pool_at_max", `pool ${pool.name} is at its maximum`, {
        poolId: pool.id,
        current,
        max: pool.maxSize,
        requested: body.delta,
      });
    }
    // the pool's own machines first, then the free inventory
    const available = this.machines.filter((m) => m.status === "available");
    const chosen = [
      ...available.filter((m) => m.poolId === pool.id),
      ...available.filter(inFreeInventory),
    ].slice(0, body.delta);
    if (chosen.length < body.delta) {
      throw refusal(409, "not_enough_machines", `pool ${pool.name} needs ${body.delta} machines`, {
        poolId: pool.id,
        requested: body.delta,
        available: chosen.length,
      });
    }
    const now = new Date().toISOString();
    for (const m of chosen) {
      if (inFreeInventory(m)) this.reservedFromFree.add(m.id);
      else this.reservedFromFree.delete(m.id);
      Object.assign(m, {
        status: "reserved",
        statusReason: RESERVE_REASON,
        poolId: pool.id,
        providerId: providerIdFor(m.id),
        version: m.version + 1,
        statusChangedAt: now,
      });
    }
    this.stateVersion++;
    const recorded: RecordedAllocation = {
      answer: {
        allocationId: randomUUID(),
        requestId: body.requestId,
        poolId: pool.id,
        delta: body.delta,
        createdAt: now,
      },
      machineIds: chosen.map((m) => m.id),
    };
    this.allocations.set(body.requestId, recorded);
    return { ...recorded.answer, created: true, machines: chosen.map(allocatedView) };
  }

  /** transitions: per-item results, never a whole-batch conflict (report-transitions.ts). */
  async transitions(items: TransitionItem[], options?: CallOptions): Promise<TransitionsResponse> {
    await this.enter("transitions", items, options);
    const body = validated(TransitionsRequestSchema, { items }, "transitions");
    const results = body.items.map((item) => this.applyTransition(item));
    const applied = results.filter((r) => r.ok).length;
    return { results, summary: { applied, failed: results.length - applied } };
  }

  async heartbeat(request: HeartbeatRequest, options?: CallOptions): Promise<HeartbeatResponse> {
    await this.enter("heartbeat", request, options);
    validated(HeartbeatRequestSchema, request, "heartbeat");
    return { receivedAt: new Date().toISOString(), stateVersion: this.stateVersion };
  }

  /** pin-host-keys.ts: a key only where none is; the same key again is "unchanged", another a conflict. */
  async pinHostKeys(items: HostKeyPin[], options?: CallOptions): Promise<HostKeysResponse> {
    await this.enter("pinHostKeys", items, options);
    const body = validated(HostKeysRequestSchema, { items }, "pinHostKeys");
    const results = body.items.map((item): HostKeyResult => {
      const m = this.clusterMachine(item.machineId);
      if (!m) {
        return {
          machineId: item.machineId,
          ok: false,
          error: {
            code: "not_found",
            message: `machine ${item.machineId} not found`,
            details: { machineId: item.machineId },
          },
        };
      }
      if (m.hostKeyFingerprint === null) {
        m.hostKeyFingerprint = item.fingerprint;
        this.stateVersion++;
        return { machineId: m.id, ok: true, pinned: true, fingerprint: item.fingerprint };
      }
      const pinned = unpadded(m.hostKeyFingerprint);
      if (pinned === item.fingerprint) {
        return { machineId: m.id, ok: true, pinned: false, fingerprint: pinned };
      }
      return {
        machineId: m.id,
        ok: false,
        error: {
          code: "conflict",
          message: `machine ${m.id} has another host key pinned`,
          details: { pinned },
        },
      };
    });
    const pinned = results.filter((r) => r.ok && r.pinned).length;
    const failed = results.filter((r) => !r.ok).length;
    return { results, summary: { pinned, unchanged: results.length - pinned - failed, failed } };
  }

  /** record-snapshots.ts: every pool must be one of the cluster's, or nothing is kept (404). */
  async snapshots(request: SnapshotsRequest, options?: CallOptions): Promise<SnapshotsResponse> {
    await this.enter("snapshots", request, options);
    const body = validated(SnapshotsRequestSchema, request, "snapshots");
    const missing = body.pools
      .map((p) => p.poolId)
      .filter((id) => !this.pools.some((pool) => pool.id === id));
    if (missing.length > 0)
      throw refusal(404, "not_found", `pool ${missing[0]} not found`, { poolIds: missing });
    this.snapshotsReceived.push(structuredClone(request));
    return {
      capturedAt: (body.capturedAt ? new Date(body.capturedAt) : new Date()).toISOString(),
      recorded: body.pools.length + (body.cluster ? 1 : 0),
    };
  }

  /**
   * record-agent-refusal.ts: the pool must be the cluster's (404); a report
   * identical to the pool's previous one in that direction (same size, same
   * codes) counts as a repeat, as record-scale-decision.ts coalesces them.
   */
  async reportScalingRefusal(
    request: ScalingRefusalRequest,
    options?: CallOptions,
  ): Promise<ScalingRefusalResponse> {
    await this.enter("reportScalingRefusal", request, options);
    const body = validated(ScalingRefusalRequestSchema, request, "reportScalingRefusal");
    if (!this.pools.some((pool) => pool.id === body.poolId))
      throw refusal(404, "not_found", `pool ${body.poolId} not found`, { poolId: body.poolId });
    const same = (r: ScalingRefusalRequest) =>
      JSON.stringify([r.requested, r.reasons.map((x) => x.code)]) ===
      JSON.stringify([body.requested, body.reasons.map((x) => x.code)]);
    let repeats = 0;
    for (const earlier of this.refusalsReceived.filter(
      (r) => r.poolId === body.poolId && r.direction === body.direction,
    )) {
      repeats = same(earlier) ? repeats + 1 : 0;
    }
    this.refusalsReceived.push(structuredClone(request));
    return { repeats: repeats + 1 };
  }

  /**
   * The agent ssh-key route: the key the machine's keyRef (or `default`)
   * names, only for a machine of this cluster in an in-use state; one "not
   * stored" answer (null, the client's reading of 404 not_found) for a free
   * machine, another cluster's, one that left, or a name with no stored key.
   */
  async fetchSshKey(machineId: string, options?: CallOptions): Promise<StoredSshKey | null> {
    // read when the request arrives, as state() is: latency only delays the answer
    const m = this.clusterMachine(machineId);
    const keyRef = m?.ssh.keyRef ?? DEFAULT_SSH_KEY_NAME;
    const stored = m && IN_USE_STATES.includes(m.status) ? this.sshKeys.get(keyRef) : undefined;
    await this.enter("fetchSshKey", { machineId }, options);
    if (!stored) return null;
    this.sshKeyReleases.push({ machineId, keyRef, fingerprint: stored.fingerprint, version: stored.version });
    return {
      machineId,
      keyRef,
      fingerprint: stored.fingerprint,
      version: stored.version,
      privateKey: stored.privateKey,
      ...(stored.passphrase !== undefined ? { passphrase: stored.passphrase } : {}),
    };
  }

  /** A machine of this cluster (the free inventory is not), as lockOwnMachine finds it. */
  private clusterMachine(id: string): AgentMachine | undefined {
    return this.machines.find((m) => m.id === id && !inFreeInventory(m));
  }

  /** allocate-machines.ts replay: the earlier answer with its machines as they are now. */
  private replay(earlier: RecordedAllocation, body: AllocationRequest): AllocationResponse {
    const { answer } = earlier;
    if (answer.poolId !== body.poolId || answer.delta !== body.delta) {
      throw refusal(409, "conflict", `request id ${body.requestId} was already used`, {
        requestId: body.requestId,
        allocationId: answer.allocationId,
        poolId: answer.poolId,
        delta: answer.delta,
      });
    }
    const machines = earlier.machineIds
      .map((id) => this.machines.find((m) => m.id === id))
      .filter((m): m is AgentMachine => m !== undefined)
      .map(allocatedView);
    return { ...answer, created: false, machines };
  }

  /** report-transitions.ts and transition-machine.ts, in their order of checks. */
  private applyTransition(item: TransitionItem): TransitionResult {
    const fail = (
      code: "not_found" | "stale_version" | "illegal_transition",
      details: Record<string, unknown>,
    ) => ({
      machineId: item.machineId,
      ok: false as const,
      error: { code, message: `${code} for ${item.machineId}`, details },
    });
    if (item.to === "reserved") return fail("illegal_transition", { from: item.from, to: item.to });
    const m = this.clusterMachine(item.machineId);
    if (!m) return fail("not_found", { id: item.machineId });
    if (!canTransition(item.from, item.to))
      return fail("illegal_transition", { from: item.from, to: item.to });
    // report-transitions.ts assertDrainIntent: a drain ends as its intent says
    if (item.from === "draining" && m.status === "draining") {
      const forMaintenance = m.drainIntent === "maintenance";
      if ((item.to === "maintenance" && !forMaintenance) || (item.to === "leaving" && forMaintenance)) {
        return fail("illegal_transition", { from: item.from, to: item.to, drainIntent: m.drainIntent });
      }
    }
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
    // release-patch.ts: leaving the cluster's capacity clears the provider id and node name, and
    // gives a machine its reservation took from the free inventory back to it
    if (item.to === "available" && IN_USE_STATES.includes(item.from)) {
      Object.assign(m, { providerId: null, nodeName: null });
      if (this.reservedFromFree.has(m.id)) m.poolId = null;
    }
    m.status = item.to;
    m.version++;
    // transition-statement.ts: a drain's intent ends with the drain
    if (item.to !== "draining") m.drainIntent = null;
    m.statusReason = item.reason ?? null;
    m.statusChangedAt = new Date().toISOString();
    // the reporter's node name and error are kept, over the release patch too
    if (item.nodeName !== undefined) m.nodeName = item.nodeName;
    if (item.lastError !== undefined) m.lastError = item.lastError;
    this.stateVersion++;
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

const newCredential = () => `fake-agent-credential-${randomUUID()}`;
