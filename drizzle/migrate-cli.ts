/**
 * `npm run db:migrate`: migrates DATABASE_URL, or the embedded PGlite under
 * .data/ when it is unset. One line per outcome; failures exit 1 with a
 * one-line reason (no stack trace, no password).
 */
import { openDatabase } from "./client.ts";
import { migrateDatabase, migrationStatus } from "./migrate.ts";

async function main(): Promise<void> {
  const databaseUrl = process.env.DATABASE_URL || undefined;
  const database = await openDatabase({ runtime: "node", databaseUrl, dataDir: process.env.KSP_DATA_DIR });
  try {
    const before = await migrationStatus(database);
    await migrateDatabase(database);
    const after = await migrationStatus(database);
    if (!after.current)
      throw new Error(`migrations still pending after migrate: ${after.pending.join(", ")}`);
    const count = before.pending.length;
    const where = database.describe().replace(/ \(/, " ").replace(/\)$/, "");
    console.log(
      count === 0
        ? `migrations up to date: ${after.applied} (${where})`
        : `migrations applied: ${count} (${where})`,
    );
  } finally {
    await database.close();
  }
}

main().catch((err: unknown) => {
  const message = err instanceof Error ? err.message : String(err);
  process.stderr.write(`db:migrate failed: ${(message.split("\n")[0] ?? "").trim()}\n`);
  process.exit(1);
});
