/**
 * A secret an embedded install makes for itself on first start and keeps in
 * its data directory (mode 0600, beside the database it belongs to), so it
 * survives restarts. Node only. Written whole to a temporary file and then
 * linked into place (link fails if the name exists), so two processes
 * starting on one data dir end up with the same value and never read half a
 * file. Callers log the path when `created`, never the value.
 */
import { link, mkdir, readFile, unlink, writeFile } from "node:fs/promises";
import path from "node:path";

export interface DataDirSecret {
  file: string;
  value: string;
  /** true for the one start that wrote the file */
  created: boolean;
}

export async function dataDirSecret(
  dataDir: string,
  name: string,
  generate: () => string,
): Promise<DataDirSecret> {
  const file = path.resolve(dataDir, name);
  const existing = await readSecret(file);
  if (existing) return { file, value: existing, created: false };
  await mkdir(path.dirname(file), { recursive: true, mode: 0o700 });
  const temporary = `${file}.${crypto.randomUUID()}.tmp`;
  await writeFile(temporary, `${generate()}\n`, { mode: 0o600, flag: "wx" });
  let created = false;
  try {
    await link(temporary, file);
    created = true;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== "EEXIST") throw err;
  } finally {
    await unlink(temporary).catch(() => undefined);
  }
  const value = await readSecret(file);
  if (!value) throw new Error(`the file ${file} is empty`);
  return { file, value, created };
}

async function readSecret(file: string): Promise<string | undefined> {
  try {
    return (await readFile(file, "utf8")).trim() || undefined;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw err;
  }
}
