/** Database rows → the agent protocol's shapes (proto/agent-api.ts). */
import type { Machine, NodePool } from "../../../drizzle/schema/index.ts";
import type { AgentMachine, AgentPool, AllocatedMachine, DesiredState } from "../../../proto/agent-api.ts";
import type { MachineState } from "../../../proto/machine-states.ts";
import { DEFAULT_POOL_LIFECYCLE } from "../../../proto/pool-lifecycle.ts";

const JOINED: readonly MachineState[] = ["reserved", "joining", "ready"];

export function desiredStateOf(status: MachineState): DesiredState {
  return JOINED.includes(status) ? "joined" : "absent";
}

export function allocatedMachineView(m: Machine): AllocatedMachine {
  return {
    id: m.id,
    providerId: m.providerId,
    hostname: m.hostname,
    ip: m.ip,
    ssh: { user: m.sshUser, port: m.sshPort, keyRef: m.sshKeyRef },
    hostKeyFingerprint: m.hostKeyFingerprint,
    status: m.status,
    version: m.version,
    labels: m.labels,
    taints: m.taints,
  };
}

export function agentMachineView(m: Machine): AgentMachine {
  return {
    ...allocatedMachineView(m),
    statusReason: m.statusReason,
    desiredState: desiredStateOf(m.status),
    nodeName: m.nodeName,
    poolId: m.poolId,
    resources: { cpuCores: m.cpuCores, memoryBytes: m.memoryBytes, gpuCount: m.gpuCount, gpuType: m.gpuType },
    region: m.region,
    zone: m.zone,
    lastError: m.lastError,
    statusChangedAt: m.statusChangedAt.toISOString(),
    drainIntent: m.drainIntent,
  };
}

export function agentPoolView(p: NodePool): AgentPool {
  return {
    id: p.id,
    name: p.name,
    minSize: p.minSize,
    maxSize: p.maxSize,
    autoscalingEnabled: p.autoscalingEnabled,
    template: {
      labels: p.templateLabels,
      taints: p.templateTaints,
      capacity: {
        cpuMillis: p.capacityCpuMillis,
        memoryBytes: p.capacityMemoryBytes,
        ephemeralStorageBytes: p.capacityEphemeralStorageBytes,
        pods: p.capacityPods,
      },
      allocatable: {
        cpuMillis: p.allocatableCpuMillis,
        memoryBytes: p.allocatableMemoryBytes,
        ephemeralStorageBytes: p.allocatableEphemeralStorageBytes,
        pods: p.allocatablePods,
      },
      gpuCount: p.gpuCount,
      gpuType: p.gpuType,
    },
    scaleUpPolicy: p.scaleUpPolicy,
    scaleDownPolicy: p.scaleDownPolicy,
    scaleUpCooldownSeconds: p.scaleUpCooldownSeconds,
    scaleDownCooldownSeconds: p.scaleDownCooldownSeconds,
    prepareHosts: p.prepareHosts,
    hooks: {
      preJoin: p.preJoinHook,
      postJoin: p.postJoinHook,
      preReset: p.preResetHook,
      postReset: p.postResetHook,
    },
    autoscalingOptions: p.autoscalingOptions,
    hourlyPrice: p.hourlyPrice,
    drain: { ...p.drainSettings },
    lifecycle: { ...DEFAULT_POOL_LIFECYCLE, ...p.lifecycleSettings },
  };
}
