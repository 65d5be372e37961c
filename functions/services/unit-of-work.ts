/**
 * One unit of work for every write agents or auditors must see: a single
 * transaction that runs the change, writes its audit rows, and bumps the
 * state version of each cluster it touched LAST (the bump locks the cluster
 * rows until commit; ordering by id keeps concurrent writers deadlock-free).
 * New versions are published to the cache only after the commit, so a
 * version can never claim state that was rolled back.
 */
import type { Db } from "../../drizzle/client.ts";
import type { AuditEntry } from "./audit/audit-entry.ts";
import { recordAudit } from "./audit/record-audit.ts";
import { bumpStateVersions, publishStateVersions } from "./clusters/state-version.ts";
import type { ServiceContext } from "./context.ts";

export interface ClusterWrite {
  /** agents of these clusters must see the change: their state versions are bumped at the end */
  touch(...clusterIds: (string | null | undefined)[]): void;
  /** versions a statement already bumped itself (e.g. the transition batch); published after commit */
  bumped(versions: ReadonlyMap<string, number>): void;
  /** an audit row, written in this transaction before it commits */
  audit(entry: AuditEntry): void;
}

export async function withClusterWrite<T>(
  ctx: ServiceContext,
  work: (tx: Db, write: ClusterWrite) => Promise<T>,
): Promise<T> {
  let published = new Map<string, number>();
  const result = await ctx.db.transaction(async (tx) => {
    const touched = new Set<string>();
    const bumped = new Map<string, number>();
    const entries: AuditEntry[] = [];
    const write: ClusterWrite = {
      touch: (...ids) => {
        for (const id of ids) if (id) touched.add(id);
      },
      bumped: (versions) => {
        for (const [id, v] of versions) bumped.set(id, v);
      },
      audit: (entry) => {
        entries.push(entry);
      },
    };
    const value = await work(tx, write);
    for (const entry of entries) await recordAudit(tx, ctx, entry);
    const pending = [...touched].filter((id) => !bumped.has(id));
    const versions = await bumpStateVersions(tx, pending);
    published = new Map([...bumped, ...versions]);
    return value;
  });
  await publishStateVersions(ctx, published);
  return result;
}
