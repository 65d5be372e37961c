/**
 * A rotation pass in a process of its own, for the test that kills one
 * half-way (SIGKILL, no chance to tidy up). Environment: DATABASE_URL,
 * KSP_ENCRYPTION_KEYS (the list the pass rotates to), ROTATION_BATCH_SIZE,
 * and ROTATION_PAUSE_MS: a wait before each value is sealed again, so the
 * kill lands between batches and within one rather than after the end. It
 * prints one line per batch (the service's log) and "done" at the end.
 */
import { openDatabase } from "../../drizzle/client.ts";
import { MemoryCoordination } from "../../functions/lib/coordination/memory.ts";
import { parseEncryptionKeys } from "../../functions/lib/crypto/encryption-keys.ts";
import { Keyring } from "../../functions/lib/crypto/keyring.ts";
import { rotateSealedValues } from "../../functions/services/secrets/rotate-sealed-values.ts";
import { systemClock } from "../../shared/clock.ts";
import { createLogger } from "../../shared/logger.ts";

const env = process.env;
const parsed = parseEncryptionKeys(env.KSP_ENCRYPTION_KEYS ?? "");
if (!parsed.ok) throw new Error(parsed.problems.join("; "));
const pauseMs = Number(env.ROTATION_PAUSE_MS ?? "0");

/** The real keyring, slowed down: the pause stands for a long table, not for a different behaviour. */
class PausingKeyring extends Keyring {
  override async encrypt(plaintext: Uint8Array | string, aad: string): Promise<string> {
    await new Promise((resolve) => setTimeout(resolve, pauseMs));
    return super.encrypt(plaintext, aad);
  }
}

const database = await openDatabase({ runtime: "node", databaseUrl: env.DATABASE_URL });
try {
  const result = await rotateSealedValues({
    ctx: {
      db: database.db,
      clock: systemClock,
      logger: createLogger({ level: "info" }),
      coordination: new MemoryCoordination(systemClock),
      requestId: "rotation-child",
      actor: "test",
      encryption: new PausingKeyring(parsed.keys),
    },
    input: { batchSize: Number(env.ROTATION_BATCH_SIZE ?? "100"), maxBatches: 1_000_000, budgetMs: 600_000 },
  });
  process.stdout.write(`done ${JSON.stringify({ rotated: result.rotated, complete: result.complete })}\n`);
} finally {
  await database.close();
}
