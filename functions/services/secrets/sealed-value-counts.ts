/**
 * How many sealed values each table holds, by the key id they were written
 * with: one GROUP BY per table over the indexed key-id column, never a value.
 * The status route, the rotation's summary and the Node start-up check all
 * count through here.
 */
import { sql } from "drizzle-orm";
import type { Db } from "../../../drizzle/client.ts";
import { SEALED_VALUES } from "./sealed-values.ts";

export interface SealedValueCount {
  /** the table, e.g. "ssh_keys" */
  table: string;
  total: number;
  /** key id → values sealed with it */
  byKeyId: Record<string, number>;
}

export async function countSealedValues(db: Db): Promise<SealedValueCount[]> {
  const counts: SealedValueCount[] = [];
  for (const entry of SEALED_VALUES) {
    const rows = await db
      .select({ keyId: entry.keyId, count: sql<number>`count(*)::int` })
      .from(entry.table)
      .groupBy(entry.keyId)
      .orderBy(entry.keyId);
    const byKeyId: Record<string, number> = {};
    for (const row of rows) byKeyId[row.keyId] = Number(row.count);
    counts.push({ table: entry.name, total: rows.reduce((sum, r) => sum + Number(r.count), 0), byKeyId });
  }
  return counts;
}

/** Every key id some stored value was sealed with, sorted. */
export function storedKeyIds(counts: readonly SealedValueCount[]): string[] {
  return [...new Set(counts.flatMap((c) => Object.keys(c.byKeyId)))].sort();
}
