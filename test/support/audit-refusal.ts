/**
 * Makes Postgres refuse one kind of audit_logs write for one request id only
 * (a trigger that raises), so an audit failure is real and nothing else in the
 * database is affected; the trigger is dropped afterwards.
 */
import { sql } from "drizzle-orm";
import type { Db } from "../../drizzle/client.ts";

export async function refusingAuditWrites<T>(
  db: Db,
  op: "insert" | "update",
  requestId: string,
  run: () => Promise<T>,
): Promise<T> {
  const name = `audit_refuse_${op}_${crypto.randomUUID().replace(/-/g, "")}`;
  const row = op === "insert" ? "new" : "old";
  await db.execute(
    sql.raw(`create function ${name}() returns trigger language plpgsql as $$
      begin raise exception 'audit ${op} refused by test'; end $$`),
  );
  await db.execute(
    sql.raw(`create trigger ${name} before ${op} on audit_logs for each row
      when (${row}.request_id = '${requestId}') execute function ${name}()`),
  );
  try {
    return await run();
  } finally {
    await db.execute(sql.raw(`drop trigger ${name} on audit_logs`));
    await db.execute(sql.raw(`drop function ${name}()`));
  }
}
