/**
 * An embedded install without QStash keys still signs its webhooks: a key is
 * generated on first start and kept in the data directory (mode 0600, beside
 * the database it belongs to), so receivers configured with it keep working
 * across restarts. Node only. Written whole to a temporary file and then
 * linked into place (link fails if the name exists), so two processes
 * starting on one data dir end up with the same key and never read half a file.
 */
import { link, mkdir, readFile, unlink, writeFile } from "node:fs/promises";
import path from "node:path";
import type { Logger } from "../../shared/logger.ts";
import { generateSigningKey } from "../lib/webhooks/signature.ts";

export const SIGNING_KEY_FILE = "webhook-signing-key";

export async function dataDirSigningKey(dataDir: string, logger: Logger): Promise<string> {
  const file = path.resolve(dataDir, SIGNING_KEY_FILE);
  const existing = await readKey(file);
  if (existing) return existing;
  await mkdir(path.dirname(file), { recursive: true, mode: 0o700 });
  const temporary = `${file}.${crypto.randomUUID()}.tmp`;
  await writeFile(temporary, `${generateSigningKey()}\n`, { mode: 0o600, flag: "wx" });
  try {
    await link(temporary, file);
    // the path, never the key: receivers are given it by whoever reads the file
    logger.warn("generated a webhook signing key; receivers verify deliveries with it", { file });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== "EEXIST") throw err;
  } finally {
    await unlink(temporary).catch(() => undefined);
  }
  const key = await readKey(file);
  if (!key) throw new Error(`the webhook signing key file ${file} is empty`);
  return key;
}

async function readKey(file: string): Promise<string | undefined> {
  try {
    return (await readFile(file, "utf8")).trim() || undefined;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw err;
  }
}
