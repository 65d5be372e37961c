/**
 * The agent's Prometheus metrics, on a Registry of its own (never prom-client's
 * global one, so two agents in one test process do not share counters).
 * The gRPC server reports every call through `observeRpc`, the lifecycle its
 * operations through `LifecycleMetrics`; the pool and machine gauges are set
 * from the core's snapshot just before each scrape (agent/main.ts).
 */
import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from "prom-client";

export interface PoolGaugeValues {
  name: string;
  target: number;
  ready: number;
  creating: number;
  deleting: number;
  min: number;
  max: number;
}

export interface MetricsSnapshot {
  /** null: never synced with the control plane (exported as +Inf, "infinitely stale") */
  syncAgeSeconds: number | null;
  pools: PoolGaugeValues[];
  /** machines per pool and status (every pool, node group or not) */
  machines: { pool: string; status: string; count: number }[];
}

/** What the lifecycle (reconciler and its SSH work) reports; see agent/reconciler/. */
export interface LifecycleMetrics {
  /** `kind`: join, remove, maintenance, cleanup, labels, uncordon; `outcome`: succeeded, failed, conflict, aborted, retry */
  operation(pool: string, kind: string, outcome: string): void;
  /** from the start of a join (reserved) to the machine's Node being Ready */
  joinSeconds(pool: string, seconds: number): void;
  /** cordon and drain of one node */
  drainSeconds(pool: string, seconds: number): void;
  /** a failed SSH step, by the engine's error class (connection, auth, host-key, timeout, command, precondition) */
  sshError(errorClass: string): void;
}

/** What leader election, the offline transition queue and the health checks report. */
export interface HaMetrics {
  /** this replica's identity and whether it holds the Lease now (ksp_agent_leader{identity} 1/0) */
  setLeader(identity: string, leading: boolean): void;
  /** this replica gained or lost the Lease (ksp_agent_leader_transitions_total{change}) */
  leaderTransition(change: "acquired" | "lost"): void;
  /** transition reports waiting for the control plane to come back (ksp_agent_transitions_queued) */
  setTransitionsQueued(count: number): void;
  /** one failed health check of a machine (ksp_agent_health_check_failures_total{pool,check}) */
  healthCheckFailure(pool: string, check: "ssh-probe" | "node-ready"): void;
  /** a machine the health checks moved (ksp_agent_health_transitions_total{pool,to}: fault, available) */
  healthTransition(pool: string, to: "fault" | "available"): void;
  /** a Node the zombie guard acted on (ksp_agent_zombie_nodes_total{action}: cordoned, removed) */
  zombieNode(action: "cordoned" | "removed"): void;
}

export interface AgentMetrics extends LifecycleMetrics, HaMetrics {
  /** `method` is the RPC's short name (e.g. "NodeGroups"), `code` the status name (e.g. "OK"). */
  observeRpc(method: string, code: string, seconds: number): void;
  setPoolGauges(snapshot: MetricsSnapshot): void;
  render(): Promise<string>;
  readonly contentType: string;
}

// Reads are answered from memory in well under a millisecond; IncreaseSize waits on the control plane.
const RPC_BUCKETS = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];
// A join takes seconds (a prepared host) to many minutes (hooks, image pulls); a drain, as long as PDBs say.
const LIFECYCLE_BUCKETS = [1, 2.5, 5, 10, 20, 30, 60, 120, 300, 600, 1200, 1800, 3600];

const POOL_GAUGES = {
  target: "ksp_agent_pool_target_size",
  ready: "ksp_agent_pool_ready_nodes",
  creating: "ksp_agent_pool_creating_nodes",
  deleting: "ksp_agent_pool_deleting_nodes",
  min: "ksp_agent_pool_min_size",
  max: "ksp_agent_pool_max_size",
} as const satisfies Record<keyof Omit<PoolGaugeValues, "name">, string>;

const POOL_HELP: Record<keyof typeof POOL_GAUGES, string> = {
  target: "Node group target size as reported to Cluster Autoscaler (ready + joining + reserved).",
  ready: "Instances reported as running.",
  creating: "Instances reported as creating (reserved, joining, or failed to join).",
  deleting: "Instances reported as deleting (draining or leaving).",
  min: "Node group minimum size.",
  max: "Node group maximum size.",
};

export function createAgentMetrics(): AgentMetrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  const rpcCount = new Counter({
    name: "ksp_agent_grpc_requests_total",
    help: "gRPC calls served, by method and status code.",
    labelNames: ["method", "code"] as const,
    registers: [registry],
  });
  const rpcLatency = new Histogram({
    name: "ksp_agent_grpc_request_duration_seconds",
    help: "gRPC call latency, by method.",
    labelNames: ["method"] as const,
    buckets: RPC_BUCKETS,
    registers: [registry],
  });
  const syncAge = new Gauge({
    name: "ksp_agent_sync_age_seconds",
    help: "Seconds since the last successful sync with the control plane (+Inf before the first).",
    registers: [registry],
  });
  syncAge.set(Number.POSITIVE_INFINITY);
  const poolGauges = Object.fromEntries(
    Object.entries(POOL_GAUGES).map(([key, name]) => [
      key,
      new Gauge({
        name,
        help: POOL_HELP[key as keyof typeof POOL_GAUGES],
        labelNames: ["pool"] as const,
        registers: [registry],
      }),
    ]),
  ) as Record<keyof typeof POOL_GAUGES, Gauge<"pool">>;

  const operations = new Counter({
    name: "ksp_agent_lifecycle_operations_total",
    help: "Machine lifecycle operations finished, by pool, kind (join, remove, maintenance, cleanup, labels, uncordon) and outcome.",
    labelNames: ["pool", "kind", "outcome"] as const,
    registers: [registry],
  });
  const joinDuration = new Histogram({
    name: "ksp_agent_join_duration_seconds",
    help: "From a machine's reservation being picked up to its Node being Ready, by pool.",
    labelNames: ["pool"] as const,
    buckets: LIFECYCLE_BUCKETS,
    registers: [registry],
  });
  const drainDuration = new Histogram({
    name: "ksp_agent_drain_duration_seconds",
    help: "Cordon and drain of one node (evictions, PDB retries, pods gone), by pool.",
    labelNames: ["pool"] as const,
    buckets: LIFECYCLE_BUCKETS,
    registers: [registry],
  });
  const sshErrors = new Counter({
    name: "ksp_agent_ssh_errors_total",
    help: "Failed SSH pipeline steps, by error class.",
    labelNames: ["class"] as const,
    registers: [registry],
  });
  const machines = new Gauge({
    name: "ksp_agent_machines",
    help: "Machines of the cluster's pools, by pool and status, as the agent last saw them.",
    labelNames: ["pool", "status"] as const,
    registers: [registry],
  });

  const leader = new Gauge({
    name: "ksp_agent_leader",
    help: "1 while this replica holds the leader Lease, else 0; labelled with the replica's identity.",
    labelNames: ["identity"] as const,
    registers: [registry],
  });
  const leaderTransitions = new Counter({
    name: "ksp_agent_leader_transitions_total",
    help: "Times this replica acquired or lost the leader Lease.",
    labelNames: ["change"] as const,
    registers: [registry],
  });
  const transitionsQueued = new Gauge({
    name: "ksp_agent_transitions_queued",
    help: "Machine transition reports waiting for the control plane (it was unreachable when they were made).",
    registers: [registry],
  });
  const healthFailures = new Counter({
    name: "ksp_agent_health_check_failures_total",
    help: "Failed machine health checks, by pool and check (ssh-probe of free machines, node-ready of ready ones).",
    labelNames: ["pool", "check"] as const,
    registers: [registry],
  });
  const healthTransitions = new Counter({
    name: "ksp_agent_health_transitions_total",
    help: "Machines the health checks moved, by pool and target status (fault, or available after auto-repair).",
    labelNames: ["pool", "to"] as const,
    registers: [registry],
  });
  const zombies = new Counter({
    name: "ksp_agent_zombie_nodes_total",
    help: "Nodes carrying a ksp provider ID of a machine that is not this cluster's, by action taken.",
    labelNames: ["action"] as const,
    registers: [registry],
  });

  return {
    setLeader(identity, leading) {
      leader.reset();
      leader.set({ identity }, leading ? 1 : 0);
    },
    leaderTransition: (change) => leaderTransitions.inc({ change }),
    setTransitionsQueued: (count) => transitionsQueued.set(count),
    healthCheckFailure: (pool, check) => healthFailures.inc({ pool, check }),
    healthTransition: (pool, to) => healthTransitions.inc({ pool, to }),
    zombieNode: (action) => zombies.inc({ action }),
    operation: (pool, kind, outcome) => operations.inc({ pool, kind, outcome }),
    joinSeconds: (pool, seconds) => joinDuration.observe({ pool }, seconds),
    drainSeconds: (pool, seconds) => drainDuration.observe({ pool }, seconds),
    sshError: (errorClass) => sshErrors.inc({ class: errorClass }),
    observeRpc(method, code, seconds) {
      rpcCount.inc({ method, code });
      rpcLatency.observe({ method }, seconds);
    },
    setPoolGauges(snapshot) {
      syncAge.set(snapshot.syncAgeSeconds ?? Number.POSITIVE_INFINITY);
      for (const [key, gauge] of Object.entries(poolGauges)) {
        // Reset first so a pool that was deleted or disabled stops being exported.
        gauge.reset();
        for (const pool of snapshot.pools)
          gauge.set({ pool: pool.name }, pool[key as keyof typeof POOL_GAUGES]);
      }
      machines.reset();
      for (const m of snapshot.machines) machines.set({ pool: m.pool, status: m.status }, m.count);
    },
    render: () => registry.metrics(),
    contentType: registry.contentType,
  };
}
