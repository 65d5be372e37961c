/**
 * Where the agent keeps its credential between restarts: one small JSON file,
 * readable only by its owner (0600), replaced atomically (write a temporary
 * file beside it, then rename), so a crash mid-write never leaves half a
 * credential behind.
 */
import { randomBytes } from "node:crypto";
import { chmod, mkdir, open, readFile, rename, rm } from "node:fs/promises";
import { dirname, join } from "node:path";

export interface StoredCredential {
  clusterId: string;
  credential: string;
}

export interface CredentialStore {
  /** null when nothing was stored yet */
  load(): Promise<StoredCredential | null>;
  save(credential: StoredCredential): Promise<void>;
}

const FILE_MODE = 0o600;

export function createFileCredentialStore(path: string): CredentialStore {
  return {
    async load() {
      let text: string;
      try {
        text = await readFile(path, "utf8");
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code === "ENOENT") return null;
        throw err;
      }
      return parseStored(`credential file ${path}`, text);
    },
    async save(credential) {
      const body = { clusterId: credential.clusterId, credential: credential.credential };
      await writePrivateFile(path, `${JSON.stringify(body)}\n`);
    },
  };
}

/** Replaces `path` atomically with `text`, readable by its owner only (0600); the directory is made if missing. */
export async function writePrivateFile(path: string, text: string): Promise<void> {
  await mkdir(dirname(path), { recursive: true, mode: 0o700 });
  const temporary = join(dirname(path), `.${randomBytes(6).toString("hex")}.tmp`);
  const file = await open(temporary, "wx", FILE_MODE);
  try {
    await file.writeFile(text, "utf8");
    await file.sync();
  } finally {
    await file.close();
  }
  try {
    // the umask may have narrowed the mode on open, never widened it; make it exact
    await chmod(temporary, FILE_MODE);
    await rename(temporary, path);
  } catch (err) {
    await rm(temporary, { force: true });
    throw err;
  }
}

/** `where` names the source in errors, e.g. "credential file /var/run/ksp/credential". */
export function parseStored(where: string, text: string): StoredCredential {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new Error(`${where} is not JSON; delete it and register again`);
  }
  const v = value as Partial<StoredCredential> | null;
  if (!v || typeof v.clusterId !== "string" || typeof v.credential !== "string" || !v.credential) {
    throw new Error(`${where} lacks clusterId or credential; delete it and register again`);
  }
  return { clusterId: v.clusterId, credential: v.credential };
}
