/**
 * What the ControlPlane contract (../control-plane-contract.ts) needs of a
 * control plane: one cluster of it, set up as an operator would and called
 * as the agent does, and the helpers its tests share.
 */
import { randomBytes } from "node:crypto";
import { expect } from "vitest";
import { type ControlPlaneError, isControlPlaneError } from "../../../../agent/control-plane/errors.ts";
import type { Registration } from "../../../../agent/control-plane/register.ts";
import type { ControlPlane, StateResult } from "../../../../agent/control-plane/types.ts";
import {
  type AgentMachine,
  type AgentState,
  AgentStateSchema,
  type DrainIntent,
  type HeartbeatRequest,
} from "../../../../proto/agent-api.ts";
import type { MachineState } from "../../../../proto/machine-states.ts";

/** One cluster of a control plane, as the contract sets it up and talks to it. */
export interface ControlPlaneSubject {
  clusterId: string;
  clusterName: string;
  /** the agent's ControlPlane for this cluster, holding the cluster's current agent credential */
  controlPlane: ControlPlane;
  /** An operator adds a pool to the cluster (the agent sees it on its next poll); answers its id. */
  addPool(input?: { maxSize?: number; autoscalingEnabled?: boolean }): Promise<string>;
  /** An operator puts machines into a pool (in-use ones as if reserved earlier); answers their ids. */
  addPoolMachines(
    poolId: string,
    count: number,
    input?: {
      status?: MachineState;
      hostKeyFingerprint?: string | null;
      /** why a draining machine drains (a maintenance order sets it) */
      drainIntent?: DrainIntent | null;
      nodeName?: string | null;
    },
  ): Promise<string[]>;
  /** Machines in the free inventory (no cluster, no pool) that fit every pool of this cluster. */
  addFreeMachines(count: number): Promise<string[]>;
  /** An operator issues a one-time registration token for this cluster (replacing any earlier one). */
  issueRegistrationToken(): Promise<string>;
  /** The agent's registration call (agent/control-plane/register.ts); agent and Kubernetes versions are filled in. */
  register(input: { registrationToken: string; clusterName?: string }): Promise<Registration>;
  /** The ControlPlane as an agent holding `credential` calls it. */
  connect(credential: string): ControlPlane;
  /** Replaces the agent credential (POST /v1/agent/credential/rotate with the current one); answers the new one. */
  rotateCredential(): Promise<string>;
}

/** A fingerprint in the protocol's form: SHA256 and the unpadded base64 of 32 bytes. */
export const newFingerprint = (): string => `SHA256:${randomBytes(32).toString("base64").replace(/=+$/, "")}`;

export const beat = (): HeartbeatRequest => ({
  agentVersion: "0.0.0-contract",
  kubernetesVersion: "v1.31.0",
  nodeCounts: { total: 3, ready: 2 },
  leader: { identity: "agent-0", since: new Date().toISOString() },
});

export const figures = {
  nodeCount: 2,
  capacity: { cpuMillis: 8000, memoryBytes: 16 * 2 ** 30 },
  allocatable: { cpuMillis: 7800, memoryBytes: 15 * 2 ** 30 },
  requested: { cpuMillis: 1200, memoryBytes: 2 ** 30 },
  usage: { cpuMillis: 300, memoryBytes: 2 ** 29 },
};

/** The error a call failed with, which must be the typed ControlPlaneError the agent decides on. */
export async function refusal(call: Promise<unknown>): Promise<ControlPlaneError> {
  const outcome = await call.then(
    (value) => ({ value }),
    (error: unknown) => ({ error }),
  );
  if (!("error" in outcome)) throw new Error(`expected a refusal, got ${JSON.stringify(outcome.value)}`);
  if (!isControlPlaneError(outcome.error)) throw outcome.error;
  return outcome.error;
}

/** An HTTP refusal the agent must not retry (the same request cannot succeed by itself). */
export function expectFinal(err: ControlPlaneError, status: number, code: string): void {
  expect({ kind: err.kind, status: err.status, code: err.code, retryable: err.retryable }).toEqual({
    kind: "http",
    status,
    code,
    retryable: false,
  });
}

export async function fullState(cp: ControlPlane): Promise<{ state: AgentState; etag: string }> {
  const answer = await cp.state(null);
  if (answer.notModified) throw new Error("a state without an ETag must be answered in full");
  expect(answer.etag).toMatch(/^W\/".+"$/);
  // the agent parses it with the protocol's schema; a fake must produce what that accepts
  expect(AgentStateSchema.safeParse(answer.state).success).toBe(true);
  return { state: answer.state, etag: answer.etag! };
}

export async function machineIn(cp: ControlPlane, id: string): Promise<AgentMachine | undefined> {
  return (await fullState(cp)).state.machines.find((m) => m.id === id);
}

export async function versionOf(cp: ControlPlane, id: string): Promise<number> {
  const machine = await machineIn(cp, id);
  if (!machine) throw new Error(`machine ${id} is not in the cluster's state`);
  return machine.version;
}

export const isFull = (answer: StateResult): answer is Extract<StateResult, { notModified: false }> =>
  !answer.notModified;

/** Each call builds a fresh subject (its own cluster), so no test depends on another one's state. */
export type MakeSubject = () => Promise<ControlPlaneSubject>;
