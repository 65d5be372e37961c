// The whole schema, for drizzle's relational queries and for drizzle-kit.
export * from "./allocations.ts";
export * from "./api-tokens.ts";
export * from "./audit-logs.ts";
export * from "./clusters.ts";
export * from "./machines.ts";
export * from "./node-pools.ts";
export * from "./operations.ts";
export * from "./resource-snapshots.ts";
