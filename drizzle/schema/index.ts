// The whole schema: the drivers type their `db` with it, drizzle-kit generates migrations from it.
// No `relations()`: every query names its joins, so the tables need not import one another.
export * from "./allocations.ts";
export * from "./api-tokens.ts";
export * from "./audit-logs.ts";
export * from "./cluster-kubeconfigs.ts";
export * from "./cluster-states.ts";
export * from "./clusters.ts";
export * from "./dead-letters.ts";
export * from "./duty-roster.ts";
export * from "./machines.ts";
export * from "./matching-policies.ts";
export * from "./node-pools.ts";
export * from "./notifications.ts";
export * from "./operations.ts";
export * from "./order-devices.ts";
export * from "./orders.ts";
export * from "./pool-status-samples.ts";
export * from "./query-templates.ts";
export * from "./resource-snapshots.ts";
export * from "./ssh-keys.ts";
export * from "./strategies.ts";
export * from "./strategy-evaluations.ts";
export * from "./subscriptions.ts";
