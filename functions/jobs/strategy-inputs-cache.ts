/**
 * Batch reads for the daily run. The fan-out sends a strategy's messages
 * cluster by cluster, so the first message of a (strategy, cluster, run)
 * reads the inputs of every pool of the cluster in one query and the next
 * ones find theirs here: one read per cluster instead of one per pool.
 *
 * What may come from here is only what cannot mislead: daily rows of past
 * days never change, and the job trusts a cached read only to conclude
 * `below_threshold` (nothing to do), which depends on nothing else but the
 * strategy's rules (as stale as the fan-out itself, at most TTL_MS more).
 * Every other outcome (cooldown, an order, no_stock, an error) is decided
 * again on a fresh read of the one pool, under its lock. A pool the batch
 * did not see is read fresh too. Entries live TTL_MS by the job's clock, at
 * most MAX_ENTRIES of them; a failed batch read is forgotten at once.
 */
import type { Db } from "../../drizzle/client.ts";
import { type EvaluationInputs, readClusterInputs, type StrategyTarget } from "./strategy-inputs.ts";

const TTL_MS = 5 * 60_000;
const MAX_ENTRIES = 2_000;

interface Entry {
  expiresAt: number;
  pools: Promise<Map<string, EvaluationInputs>>;
}

export class ClusterInputsCache {
  readonly #entries = new Map<string, Entry>();

  /** The pool's inputs from its cluster's batch; undefined when the batch has no such pool. */
  async get(db: Db, target: StrategyTarget, nowMs: number): Promise<EvaluationInputs | undefined> {
    const key = `${target.strategyId}:${target.clusterId}:${target.runKey}`;
    let entry = this.#entries.get(key);
    if (!entry || entry.expiresAt <= nowMs) {
      entry = { expiresAt: nowMs + TTL_MS, pools: readClusterInputs(db, target) };
      this.#entries.delete(key);
      this.#entries.set(key, entry);
      // Maps iterate in insertion order: the first key is the oldest entry
      if (this.#entries.size > MAX_ENTRIES) this.#entries.delete(this.#entries.keys().next().value!);
    }
    try {
      return (await entry.pools).get(target.poolId);
    } catch (err) {
      if (this.#entries.get(key) === entry) this.#entries.delete(key);
      throw err;
    }
  }
}

/** One per process (per isolate on Workers), shared by every evaluation it runs. */
export const clusterInputsCache = new ClusterInputsCache();
