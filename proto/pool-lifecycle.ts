/**
 * A pool's lifecycle defaults (the schema is PoolLifecycleSchema in
 * agent-api.ts, which re-exports this). They live in a module without zod
 * schemas so drizzle/ can use them as a column default without evaluating
 * agent-api.ts: the control plane names that module's schemas for OpenAPI,
 * which works only when they are built after @hono/zod-openapi has extended
 * zod, and drizzle's schema is loaded before the routes.
 */
/**
 * The shape of a pool's lifecycle settings, written out here rather than
 * inferred from PoolLifecycleSchema so this module imports nothing (a type
 * import of agent-api.ts would close a cycle); agent-api.ts checks at compile
 * time that the two agree.
 */
export interface PoolLifecycleDefaults {
  joinTimeoutSeconds: number;
  registrationTimeoutSeconds: number;
  resetTimeoutSeconds: number;
  maxConcurrentJoins: number;
  maxConcurrentRemovals: number;
  kubeadmConfigVersion: "v1beta3" | "v1beta4" | null;
  healthProbeIntervalSeconds: number;
  healthFailureThreshold: number;
  autoRepair: boolean;
  zombieAction: ZombieAction;
}

/** What the agent's zombie guard does to a Node of a free machine of the pool (every zombie is cordoned). */
export const ZOMBIE_ACTIONS = ["cordon", "remove"] as const;
export type ZombieAction = (typeof ZOMBIE_ACTIONS)[number];

/**
 * The health settings' defaults on their own (not typed as PoolLifecycle):
 * the schema falls back to them for pools stored before they existed.
 */
export const DEFAULT_POOL_HEALTH: {
  healthProbeIntervalSeconds: number;
  healthFailureThreshold: number;
  autoRepair: boolean;
  zombieAction: ZombieAction;
} = {
  healthProbeIntervalSeconds: 60,
  healthFailureThreshold: 3,
  autoRepair: false,
  zombieAction: "cordon",
};

/**
 * The defaults of a new pool, and what an agent assumes when an older
 * control plane sends none. Join + registration (14 min) stay under Cluster
 * Autoscaler's default max-node-provision-time (15 min), so a join that
 * cannot finish is ours to fail (with a reason) before CA gives up on it.
 * A free machine whose SSH probe fails 3 times a minute apart (or a ready
 * one whose Node stays NotReady as long) goes to fault; repaired machines
 * come back by an operator's restore unless the pool opts in to autoRepair.
 */
export const DEFAULT_POOL_LIFECYCLE: PoolLifecycleDefaults = {
  joinTimeoutSeconds: 600,
  registrationTimeoutSeconds: 240,
  resetTimeoutSeconds: 600,
  maxConcurrentJoins: 10,
  maxConcurrentRemovals: 5,
  kubeadmConfigVersion: null,
  ...DEFAULT_POOL_HEALTH,
};
