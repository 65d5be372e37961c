/**
 * An embedded install without QStash keys still signs its webhooks: a key is
 * generated on first start and kept in the data directory (data-dir-secret.ts),
 * so receivers configured with it keep working across restarts. Node only.
 */
import type { Logger } from "../../shared/logger.ts";
import { generateSigningKey } from "../lib/webhooks/signature.ts";
import { dataDirSecret } from "./data-dir-secret.ts";

export const SIGNING_KEY_FILE = "webhook-signing-key";

export async function dataDirSigningKey(dataDir: string, logger: Logger): Promise<string> {
  const { file, value, created } = await dataDirSecret(dataDir, SIGNING_KEY_FILE, generateSigningKey);
  // the path, never the key: receivers are given it by whoever reads the file
  if (created) logger.warn("generated a webhook signing key; receivers verify deliveries with it", { file });
  return value;
}
