/**
 * The agent ↔ control-plane protocol (`/v1/agent/*`): request and response
 * schemas both sides import. The control plane validates requests with them
 * and declares its responses with them; the agent parses responses with them.
 * zod only: this file imports nothing from functions/ or agent/.
 *
 * Requests are strict (unknown keys are refused) and every string, number and
 * array is bounded, so bad input is always a 4xx. Responses are plain objects,
 * so a newer control plane may add fields without breaking older agents.
 */
import { z } from "zod";
import { ERROR_CODES } from "./error-codes.ts";
import { MACHINE_STATES } from "./machine-states.ts";
import {
  DEFAULT_POOL_HEALTH,
  DEFAULT_POOL_LIFECYCLE,
  type PoolLifecycleDefaults,
  ZOMBIE_ACTIONS,
} from "./pool-lifecycle.ts";

const Uuid = z.uuid({ message: "must be a UUID" });
const Version = z.string().min(1).max(64);
const IsoTime = z.iso.datetime({ offset: true });
const Count = z.number().int().min(0).max(1_000_000);
/** CPU in millicores, memory in bytes: integers, up to what any cluster could hold. */
const Millis = z.number().int().min(0).max(Number.MAX_SAFE_INTEGER);

// ---------------------------------------------------------------- register

export const RegisterAgentRequestSchema = z.strictObject({
  registrationToken: z.string().min(1).max(300),
  /** when given, must equal the cluster's name: guards against a token pasted into the wrong cluster */
  clusterName: z.string().min(1).max(63).optional(),
  agentVersion: Version,
  kubernetesVersion: Version,
});
export type RegisterAgentRequest = z.infer<typeof RegisterAgentRequestSchema>;

export const RegisterAgentResponseSchema = z.object({
  clusterId: z.string(),
  clusterName: z.string(),
  /** the agent's bearer credential; shown only here, stored only as a hash */
  credential: z.string(),
});
export type RegisterAgentResponse = z.infer<typeof RegisterAgentResponseSchema>;

export const RotatedCredentialSchema = z.object({
  clusterId: z.string(),
  credential: z.string(),
  rotatedAt: z.string(),
});
export type RotatedCredential = z.infer<typeof RotatedCredentialSchema>;

// ---------------------------------------------------------------- heartbeat

export const HeartbeatRequestSchema = z.strictObject({
  agentVersion: Version,
  kubernetesVersion: Version,
  nodeCounts: z.strictObject({ total: Count, ready: Count }),
  leader: z.strictObject({ identity: z.string().min(1).max(253), since: IsoTime }),
});
export type HeartbeatRequest = z.infer<typeof HeartbeatRequestSchema>;

export const HeartbeatResponseSchema = z.object({
  receivedAt: z.string(),
  /** the cluster's state version: a change tells the agent to fetch /v1/agent/state */
  stateVersion: z.number().int(),
});
export type HeartbeatResponse = z.infer<typeof HeartbeatResponseSchema>;

// ---------------------------------------------------------------- state

const Labels = z.record(z.string(), z.string());
const Taint = z.object({
  key: z.string(),
  value: z.string().optional(),
  effect: z.enum(["NoSchedule", "PreferNoSchedule", "NoExecute"]),
});
/**
 * Per-pool overrides of Cluster Autoscaler's node-group options (what
 * NodeGroupGetOptions answers). Every field is optional: an unset one keeps
 * CA's own default. Durations are whole seconds.
 */
export const PoolAutoscalingOptionsSchema = z.strictObject({
  scaleDownUtilizationThreshold: z.number().min(0).max(1).optional(),
  scaleDownGpuUtilizationThreshold: z.number().min(0).max(1).optional(),
  scaleDownUnneededSeconds: z.number().int().min(1).max(86_400).optional(),
  scaleDownUnreadySeconds: z.number().int().min(1).max(86_400).optional(),
  maxNodeProvisionSeconds: z.number().int().min(1).max(86_400).optional(),
  zeroOrMaxNodeScaling: z.boolean().optional(),
  ignoreDaemonSetsUtilization: z.boolean().optional(),
});
export type PoolAutoscalingOptions = z.infer<typeof PoolAutoscalingOptionsSchema>;

const Resources = z.object({
  cpuMillis: z.number(),
  memoryBytes: z.number(),
  ephemeralStorageBytes: z.number(),
  pods: z.number(),
});

/**
 * How the agent runs a pool's joins and removals. Durations are whole
 * seconds; each bounds one phase of the machine lifecycle, and a phase that
 * runs past it moves the machine to `fault`:
 * - join: the preflight and join pipelines on the host (SSH, kubeadm join, hooks);
 * - registration: from the end of the join to a Ready Node with the machine's providerID;
 * - reset: the reset pipeline when the machine leaves (the drain has its own, `drain.timeoutSeconds`).
 * The caps bound how many machines of the pool join, or leave, at once.
 * The health settings came later: a pool stored before them has none, so
 * each falls back to its default here (the agent's parse fills it in).
 */
export const PoolLifecycleSchema = z.object({
  joinTimeoutSeconds: z.number().int(),
  registrationTimeoutSeconds: z.number().int(),
  resetTimeoutSeconds: z.number().int(),
  maxConcurrentJoins: z.number().int(),
  maxConcurrentRemovals: z.number().int(),
  /** null: chosen from the host's `kubeadm version` (v1beta4 from 1.31 on) */
  kubeadmConfigVersion: z.enum(["v1beta3", "v1beta4"]).nullable(),
  /** how often each free machine is probed over SSH, and each ready machine's Node looked at */
  healthProbeIntervalSeconds: z.number().int().default(DEFAULT_POOL_HEALTH.healthProbeIntervalSeconds),
  /** consecutive failed checks (one interval apart) that move a machine to fault */
  healthFailureThreshold: z.number().int().default(DEFAULT_POOL_HEALTH.healthFailureThreshold),
  /** a fault machine whose probe passes `healthFailureThreshold` times in a row goes back to available */
  autoRepair: z.boolean().default(DEFAULT_POOL_HEALTH.autoRepair),
  /** a Node registered for a free machine is cordoned; "remove" also resets the host and deletes it */
  zombieAction: z.enum(ZOMBIE_ACTIONS).default(DEFAULT_POOL_HEALTH.zombieAction),
});
export type PoolLifecycle = z.infer<typeof PoolLifecycleSchema>;
// Compile-time check that pool-lifecycle.ts's hand-written shape is this schema's, both ways.
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : never) : never;
export const POOL_LIFECYCLE_SHAPES_AGREE: Same<PoolLifecycle, PoolLifecycleDefaults> = true;

// The defaults of a new pool, and what an agent assumes when an older control plane sends none
// (in a zod-free module so drizzle/ can use them as a column default: see pool-lifecycle.ts).
export { DEFAULT_POOL_LIFECYCLE };

export const AgentPoolSchema = z.object({
  id: z.string(),
  name: z.string(),
  minSize: z.number().int(),
  maxSize: z.number().int(),
  autoscalingEnabled: z.boolean(),
  template: z.object({
    labels: Labels,
    taints: z.array(Taint),
    capacity: Resources,
    allocatable: Resources,
    gpuCount: z.number().int(),
    gpuType: z.string().nullable(),
  }),
  scaleUpPolicy: z.string(),
  scaleDownPolicy: z.string(),
  scaleUpCooldownSeconds: z.number().int(),
  scaleDownCooldownSeconds: z.number().int(),
  prepareHosts: z.boolean(),
  hooks: z.object({
    preJoin: z.string().nullable(),
    postJoin: z.string().nullable(),
    preReset: z.string().nullable(),
    postReset: z.string().nullable(),
  }),
  /** null: the pool does not override CA's options, and NodeGroupGetOptions answers Unimplemented */
  autoscalingOptions: z.object(PoolAutoscalingOptionsSchema.shape).nullable(),
  /** price of one node per hour, in the operator's currency; null: pricing is Unimplemented */
  hourlyPrice: z.number().nullable(),
  drain: z.object({
    timeoutSeconds: z.number(),
    gracePeriodSeconds: z.number(),
    ignoreDaemonSets: z.boolean(),
    deleteEmptyDirData: z.boolean(),
    force: z.boolean(),
  }),
  lifecycle: PoolLifecycleSchema.default(DEFAULT_POOL_LIFECYCLE),
});
export type AgentPool = z.infer<typeof AgentPoolSchema>;

/**
 * What the agent should make of a machine, derived from its status:
 * joined — reserved/joining/ready: be (or become) a node of the cluster;
 * absent — every other state: not (or no longer) a node.
 */
export const DESIRED_STATES = ["joined", "absent"] as const;
export type DesiredState = (typeof DESIRED_STATES)[number];

/**
 * Why a draining machine drains: null, a scale-down (drain, reset, back to
 * available); "maintenance", drain and keep the cordoned Node, then report
 * `maintenance` (the machine comes back to `ready` afterwards, and the agent
 * uncordons the Node it cordoned). Mirrors drizzle/schema/machines.ts
 * DRAIN_INTENTS, which this file may not import.
 */
export const DRAIN_INTENTS = ["maintenance"] as const;
export type DrainIntent = (typeof DRAIN_INTENTS)[number];

export const AgentMachineSchema = z.object({
  id: z.string(),
  hostname: z.string(),
  ip: z.string(),
  ssh: z.object({ user: z.string(), port: z.number().int(), keyRef: z.string().nullable() }),
  hostKeyFingerprint: z.string().nullable(),
  status: z.enum(MACHINE_STATES),
  statusReason: z.string().nullable(),
  desiredState: z.enum(DESIRED_STATES),
  providerId: z.string().nullable(),
  nodeName: z.string().nullable(),
  poolId: z.string().nullable(),
  version: z.number().int(),
  labels: Labels,
  taints: z.array(Taint),
  /** the hardware, for the template node when the pool's template is empty */
  resources: z.object({
    cpuCores: z.number().int(),
    memoryBytes: z.number(),
    gpuCount: z.number().int(),
    gpuType: z.string().nullable(),
  }),
  region: z.string().nullable(),
  zone: z.string().nullable(),
  /** why the last action failed (e.g. a join), for CA's InstanceStatus.errorInfo */
  lastError: z.string().nullable(),
  statusChangedAt: z.string(),
  /**
   * Set only while the machine is `draining` (the control plane clears it on
   * any other move). Came later: a control plane that sends none means null,
   * so an older one's drains stay scale-downs.
   */
  drainIntent: z.enum(DRAIN_INTENTS).nullable().default(null),
});
export type AgentMachine = z.infer<typeof AgentMachineSchema>;

export const AgentStateSchema = z.object({
  clusterId: z.string(),
  stateVersion: z.number().int(),
  pools: z.array(AgentPoolSchema),
  machines: z.array(AgentMachineSchema),
});
export type AgentState = z.infer<typeof AgentStateSchema>;

// ---------------------------------------------------------------- allocations

export const REQUEST_ID_PATTERN = /^[A-Za-z0-9._:-]{1,128}$/;
export const MAX_ALLOCATION_DELTA = 500;

export const AllocationRequestSchema = z.strictObject({
  poolId: Uuid,
  delta: z.number().int().min(1).max(MAX_ALLOCATION_DELTA),
  /** chosen by the agent and reused on every retry of the same scale-up */
  requestId: z.string().regex(REQUEST_ID_PATTERN, { message: "1..128 characters of A-Z a-z 0-9 . _ : -" }),
});
export type AllocationRequest = z.infer<typeof AllocationRequestSchema>;

export const AllocatedMachineSchema = z.object({
  id: z.string(),
  providerId: z.string().nullable(),
  hostname: z.string(),
  ip: z.string(),
  ssh: z.object({ user: z.string(), port: z.number().int(), keyRef: z.string().nullable() }),
  hostKeyFingerprint: z.string().nullable(),
  status: z.enum(MACHINE_STATES),
  version: z.number().int(),
  labels: Labels,
  taints: z.array(Taint),
});
export type AllocatedMachine = z.infer<typeof AllocatedMachineSchema>;

export const AllocationResponseSchema = z.object({
  allocationId: z.string(),
  requestId: z.string(),
  poolId: z.string(),
  delta: z.number().int(),
  /** false when this answer replays an earlier successful request with the same id */
  created: z.boolean(),
  createdAt: z.string(),
  machines: z.array(AllocatedMachineSchema),
});
export type AllocationResponse = z.infer<typeof AllocationResponseSchema>;

// ---------------------------------------------------------------- transitions

export const MAX_TRANSITION_ITEMS = 200;

/** Why one item of a batch (a transition, a host key) was not applied; the others are unaffected. */
const ItemErrorSchema = z.object({
  code: z.enum(ERROR_CODES),
  message: z.string(),
  details: z.record(z.string(), z.unknown()).optional(),
});

export const TransitionItemSchema = z.strictObject({
  machineId: Uuid,
  from: z.enum(MACHINE_STATES),
  to: z.enum(MACHINE_STATES),
  expectedVersion: z.number().int().min(0).max(2_147_483_647).optional(),
  reason: z.string().max(1024).optional(),
  nodeName: z.string().min(1).max(253).optional(),
  lastError: z.string().max(4096).optional(),
});
export type TransitionItem = z.infer<typeof TransitionItemSchema>;

export const TransitionsRequestSchema = z.strictObject({
  items: z.array(TransitionItemSchema).min(1).max(MAX_TRANSITION_ITEMS),
});
export type TransitionsRequest = z.infer<typeof TransitionsRequestSchema>;

export const TransitionResultSchema = z.union([
  z.object({
    machineId: z.string(),
    ok: z.literal(true),
    machine: z.object({ status: z.enum(MACHINE_STATES), version: z.number().int() }),
  }),
  z.object({
    machineId: z.string(),
    ok: z.literal(false),
    error: ItemErrorSchema,
  }),
]);
export type TransitionResult = z.infer<typeof TransitionResultSchema>;

export const TransitionsResponseSchema = z.object({
  results: z.array(TransitionResultSchema),
  summary: z.object({ applied: z.number().int(), failed: z.number().int() }),
});
export type TransitionsResponse = z.infer<typeof TransitionsResponseSchema>;

// ---------------------------------------------------------------- host keys

export const MAX_HOST_KEY_ITEMS = 200;
/** OpenSSH's SHA-256 host key fingerprint: "SHA256:" and the unpadded base64 of 32 bytes. */
export const HOST_KEY_FINGERPRINT_PATTERN = /^SHA256:[A-Za-z0-9+/]{42}[AEIMQUYcgkosw048]$/;

/**
 * A host key the agent learned on first use (pin-on-first-use). The control
 * plane stores it only while the machine has none, so every replica and
 * every later connection checks the same key; a different key already pinned
 * is a conflict, never an overwrite.
 */
export const HostKeyPinSchema = z.strictObject({
  machineId: Uuid,
  fingerprint: z.string().regex(HOST_KEY_FINGERPRINT_PATTERN, {
    message: "must be SHA256: followed by the unpadded base64 of 32 bytes",
  }),
});
export type HostKeyPin = z.infer<typeof HostKeyPinSchema>;

export const HostKeysRequestSchema = z.strictObject({
  items: z.array(HostKeyPinSchema).min(1).max(MAX_HOST_KEY_ITEMS),
});
export type HostKeysRequest = z.infer<typeof HostKeysRequestSchema>;

export const HostKeyResultSchema = z.union([
  z.object({
    machineId: z.string(),
    ok: z.literal(true),
    /** false: this very key was pinned already (a retry), nothing changed */
    pinned: z.boolean(),
    fingerprint: z.string(),
  }),
  z.object({
    machineId: z.string(),
    ok: z.literal(false),
    error: ItemErrorSchema,
  }),
]);
export type HostKeyResult = z.infer<typeof HostKeyResultSchema>;

export const HostKeysResponseSchema = z.object({
  results: z.array(HostKeyResultSchema),
  summary: z.object({ pinned: z.number().int(), unchanged: z.number().int(), failed: z.number().int() }),
});
export type HostKeysResponse = z.infer<typeof HostKeysResponseSchema>;

// ---------------------------------------------------------------- stored SSH keys

/**
 * A stored SSH key released for one machine (GET /v1/agent/machines/{id}/ssh-key). The agent
 * keeps it in memory only; `version` changes when the key is rotated.
 */
export const AgentSshKeySchema = z.object({
  machineId: Uuid,
  /** the stored key's name: the machine's sshKeyRef, else "default" */
  keyRef: z.string().min(1),
  fingerprint: z.string(),
  version: z.number().int().min(1),
  /** the OpenSSH private key file's text */
  privateKey: z.string().min(1),
  /** present only for a passphrase-protected key */
  passphrase: z.string().optional(),
});
export type AgentSshKey = z.infer<typeof AgentSshKeySchema>;

// ---------------------------------------------------------------- snapshots

const ResourceFigures = z.strictObject({ cpuMillis: Millis, memoryBytes: Millis });

const SnapshotFiguresShape = {
  nodeCount: Count,
  capacity: ResourceFigures,
  allocatable: ResourceFigures,
  requested: ResourceFigures,
  usage: ResourceFigures,
};

export const PoolSnapshotSchema = z.strictObject({ poolId: Uuid, ...SnapshotFiguresShape });
export type PoolSnapshot = z.infer<typeof PoolSnapshotSchema>;

export const MAX_SNAPSHOT_POOLS = 500;

export const SnapshotsRequestSchema = z
  .strictObject({
    capturedAt: IsoTime.optional(),
    pools: z.array(PoolSnapshotSchema).max(MAX_SNAPSHOT_POOLS),
    /** the whole cluster's figures (stored with no pool) */
    cluster: z.strictObject(SnapshotFiguresShape).optional(),
  })
  .refine((body) => new Set(body.pools.map((p) => p.poolId)).size === body.pools.length, {
    message: "each pool at most once per snapshot",
    path: ["pools"],
  });
export type SnapshotsRequest = z.infer<typeof SnapshotsRequestSchema>;

export const SnapshotsResponseSchema = z.object({ capturedAt: z.string(), recorded: z.number().int() });
export type SnapshotsResponse = z.infer<typeof SnapshotsResponseSchema>;

// ---------------------------------------------------------------- scaling refusals

/**
 * Scale requests the agent refuses on its own, before the control plane is
 * asked (agent/cloud-provider: IncreaseSize past max, DeleteNodes below min
 * or of a node under maintenance). Reported best effort so the pool's "why
 * didn't it scale?" shows them; an older control plane without the route
 * answers 404 and the agent carries on. Added after the first agents: its
 * absence on either side changes nothing else.
 */
export const AGENT_REFUSAL_CODES = ["max_size_reached", "min_size_reached", "node_in_maintenance"] as const;
export type AgentRefusalCode = (typeof AGENT_REFUSAL_CODES)[number];
export const MAX_REFUSAL_REASONS = 8;

export const ScalingRefusalRequestSchema = z.strictObject({
  poolId: Uuid,
  direction: z.enum(["up", "down"]),
  /** machines Cluster Autoscaler asked to add (up) or remove (down) */
  requested: z.number().int().min(1).max(1_000_000),
  reasons: z
    .array(
      z.strictObject({
        code: z.enum(AGENT_REFUSAL_CODES),
        message: z.string().min(1).max(1024),
        count: Count.optional(),
      }),
    )
    .min(1)
    .max(MAX_REFUSAL_REASONS),
});
export type ScalingRefusalRequest = z.infer<typeof ScalingRefusalRequestSchema>;

export const ScalingRefusalResponseSchema = z.object({
  /** times in a row this very refusal was reported (identical ones are coalesced into one event) */
  repeats: z.number().int(),
});
export type ScalingRefusalResponse = z.infer<typeof ScalingRefusalResponseSchema>;
