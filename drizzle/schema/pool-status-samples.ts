import { sql } from "drizzle-orm";
import { check, index, jsonb, pgTable, primaryKey, uuid } from "drizzle-orm/pg-core";
import type { MachineState } from "../../proto/machine-states.ts";
import { clusters } from "./clusters.ts";
import { tstz } from "./columns.ts";
import { nodePools } from "./node-pools.ts";

/**
 * A pool's machines per state at one sampling slot, written by the
 * sample-pool-status job: machine rows keep only their current state, so
 * "machines by status over time" needs its own record. `counts` holds only
 * the states the pool had machines in (a missing state is zero), so a state
 * added later needs no migration.
 */
export const poolStatusSamples = pgTable(
  "pool_status_samples",
  {
    clusterId: uuid("cluster_id")
      .notNull()
      .references(() => clusters.id, { onDelete: "cascade" }),
    poolId: uuid("pool_id")
      .notNull()
      .references(() => nodePools.id, { onDelete: "cascade" }),
    // the start of the sampling slot (a multiple of the job's interval), not the moment the job ran:
    // a second run in the same slot then conflicts on the key and writes nothing
    sampledAt: tstz("sampled_at").notNull(),
    counts: jsonb("counts").$type<Partial<Record<MachineState, number>>>().notNull().default({}),
  },
  (t) => [
    // also the history read: one pool, a time range
    primaryKey({ name: "pool_status_samples_pk", columns: [t.poolId, t.sampledAt] }),
    // the retention purge and the job's "slot already sampled?" check go by time alone
    index("pool_status_samples_sampled_at_idx").on(t.sampledAt),
    check("pool_status_samples_counts_ck", sql`jsonb_typeof(${t.counts}) = 'object'`),
  ],
);

export type PoolStatusSample = typeof poolStatusSamples.$inferSelect;
