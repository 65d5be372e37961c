/**
 * The agent's Prometheus metrics, on a Registry of its own (never prom-client's
 * global one, so two agents in one test process do not share counters).
 * The gRPC server reports every call through `observeRpc`; the pool gauges
 * are set from the core's snapshot just before each scrape (agent/main.ts).
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
}

export interface AgentMetrics {
  /** `method` is the RPC's short name (e.g. "NodeGroups"), `code` the status name (e.g. "OK"). */
  observeRpc(method: string, code: string, seconds: number): void;
  setPoolGauges(snapshot: MetricsSnapshot): void;
  render(): Promise<string>;
  readonly contentType: string;
}

// Reads are answered from memory in well under a millisecond; IncreaseSize waits on the control plane.
const RPC_BUCKETS = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

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

  return {
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
    },
    render: () => registry.metrics(),
    contentType: registry.contentType,
  };
}
