/**
 * AgentState fixtures for agent tests: a pool or machine with sensible
 * defaults and any field overridden. Ids are real UUIDs (allocations and
 * transitions validate them), hostnames unique within a process.
 */
import { randomUUID } from "node:crypto";
import {
  type AgentMachine,
  type AgentPool,
  type AgentState,
  DEFAULT_POOL_LIFECYCLE,
} from "../../../proto/agent-api.ts";

let sequence = 0;
const GiB = 2 ** 30;

type PoolOverrides = Partial<Omit<AgentPool, "template">> & { template?: Partial<AgentPool["template"]> };

export function fixturePool(overrides: PoolOverrides = {}): AgentPool {
  const { template, ...rest } = overrides;
  const zero = { cpuMillis: 0, memoryBytes: 0, ephemeralStorageBytes: 0, pods: 0 };
  return {
    id: randomUUID(),
    name: `pool-${++sequence}`,
    minSize: 0,
    maxSize: 10,
    autoscalingEnabled: true,
    scaleUpPolicy: "default",
    scaleDownPolicy: "default",
    scaleUpCooldownSeconds: 0,
    scaleDownCooldownSeconds: 0,
    prepareHosts: false,
    hooks: { preJoin: null, postJoin: null, preReset: null, postReset: null },
    autoscalingOptions: null,
    hourlyPrice: null,
    drain: {
      timeoutSeconds: 300,
      gracePeriodSeconds: 30,
      ignoreDaemonSets: true,
      deleteEmptyDirData: true,
      force: false,
    },
    lifecycle: { ...DEFAULT_POOL_LIFECYCLE },
    ...rest,
    template: {
      labels: {},
      taints: [],
      capacity: zero,
      allocatable: zero,
      gpuCount: 0,
      gpuType: null,
      ...template,
    },
  };
}

type MachineOverrides = Partial<Omit<AgentMachine, "resources">> & {
  resources?: Partial<AgentMachine["resources"]>;
};

/** A machine; in a pool with a provider id when `poolId` is given and its status is in use. */
export function fixtureMachine(overrides: MachineOverrides = {}): AgentMachine {
  const { resources, ...rest } = overrides;
  const id = rest.id ?? randomUUID();
  const n = ++sequence;
  const status = rest.status ?? "available";
  const inUse = ["reserved", "joining", "ready", "draining", "leaving", "fault"].includes(status);
  return {
    id,
    hostname: `host-${n}`,
    ip: `10.0.${(n >> 8) & 0xff}.${n & 0xff}`,
    ssh: { user: "root", port: 22, keyRef: null },
    hostKeyFingerprint: null,
    status,
    statusReason: null,
    desiredState: ["reserved", "joining", "ready"].includes(status) ? "joined" : "absent",
    providerId: inUse && rest.poolId ? `ksp://${id}` : null,
    nodeName: ["ready", "draining", "leaving"].includes(status) ? `node-${n}` : null,
    poolId: null,
    version: 1,
    labels: {},
    taints: [],
    region: null,
    zone: null,
    lastError: null,
    statusChangedAt: new Date(Date.UTC(2026, 0, 1, 0, 0, n % 60)).toISOString(),
    drainIntent: null,
    ...rest,
    resources: { cpuCores: 8, memoryBytes: 32 * GiB, gpuCount: 0, gpuType: null, ...resources },
  };
}

/** `count` machines of one pool in one status. */
export function fixtureMachines(count: number, overrides: MachineOverrides = {}): AgentMachine[] {
  return Array.from({ length: count }, () => fixtureMachine(overrides));
}

export function fixtureState(input: {
  clusterId?: string;
  stateVersion?: number;
  pools?: AgentPool[];
  machines?: AgentMachine[];
}): AgentState {
  return {
    clusterId: input.clusterId ?? randomUUID(),
    stateVersion: input.stateVersion ?? 1,
    pools: input.pools ?? [],
    machines: input.machines ?? [],
  };
}
