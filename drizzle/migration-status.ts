/**
 * Which migrations a database has, without touching the filesystem: the
 * journal is imported as JSON, so this runs in workerd too (for /readyz).
 */
import { sql } from "drizzle-orm";
import { resultRows } from "./drivers/rows.ts";
import type { Database } from "./drivers/types.ts";
import journal from "./migrations/meta/_journal.json" with { type: "json" };

export interface MigrationStatus {
  /** every migration of this build is applied */
  current: boolean;
  applied: number;
  expected: number;
  /** tags of this build's migrations not yet applied, e.g. ["0001_add_x"] */
  pending: string[];
}

interface JournalEntry {
  tag: string;
  when: number;
}

export const EXPECTED_MIGRATIONS: readonly JournalEntry[] = journal.entries;

export async function migrationStatus(database: Database): Promise<MigrationStatus> {
  const applied = await appliedMigrationTimes(database);
  // drizzle records each migration by its journal timestamp ("when")
  const pending = EXPECTED_MIGRATIONS.filter((m) => !applied.has(m.when)).map((m) => m.tag);
  return {
    current: pending.length === 0,
    applied: applied.size,
    expected: EXPECTED_MIGRATIONS.length,
    pending,
  };
}

async function appliedMigrationTimes(database: Database): Promise<Set<number>> {
  // to_regclass answers null instead of failing when the table does not exist yet
  const exists = resultRows<{ t: string | null }>(
    await database.db.execute(sql`select to_regclass('drizzle.__drizzle_migrations')::text as t`),
  );
  if (!exists[0]?.t) return new Set();
  const applied = resultRows<{ created_at: string | number }>(
    await database.db.execute(sql`select created_at from drizzle.__drizzle_migrations`),
  );
  return new Set(applied.map((r) => Number(r.created_at)));
}
