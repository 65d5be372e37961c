/** The credential file: owner-only, replaced atomically, clear errors when damaged. */
import { mkdtemp, readdir, readFile, rm, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { createFileCredentialStore } from "../../../agent/control-plane/credential-store.ts";

const dirs: string[] = [];
afterEach(async () => {
  await Promise.all(dirs.splice(0).map((d) => rm(d, { recursive: true, force: true })));
});
const tempDir = async () => {
  const dir = await mkdtemp(join(tmpdir(), "ksp-cred-"));
  dirs.push(dir);
  return dir;
};

describe("file credential store", () => {
  it("answers null before anything is stored, then what was saved, in a 0600 file", async () => {
    const dir = await tempDir();
    const path = join(dir, "nested", "credential");
    const store = createFileCredentialStore(path);
    expect(await store.load()).toBeNull();
    await store.save({ clusterId: "c1", credential: "ksp_agent_one" });
    expect(await store.load()).toEqual({ clusterId: "c1", credential: "ksp_agent_one" });
    expect((await stat(path)).mode & 0o777).toBe(0o600);
  });

  it("replaces the file whole and leaves no temporary files behind", async () => {
    const dir = await tempDir();
    const path = join(dir, "credential");
    const store = createFileCredentialStore(path);
    await store.save({ clusterId: "c1", credential: "ksp_agent_one" });
    await store.save({ clusterId: "c1", credential: "ksp_agent_two" });
    expect(JSON.parse(await readFile(path, "utf8"))).toEqual({
      clusterId: "c1",
      credential: "ksp_agent_two",
    });
    expect(await readdir(dir)).toEqual(["credential"]);
    expect((await stat(path)).mode & 0o777).toBe(0o600);
  });

  it("names the file, not its content, when it is damaged", async () => {
    const dir = await tempDir();
    const path = join(dir, "credential");
    await writeFile(path, "ksp_agent_SECRET not json");
    const err = (await createFileCredentialStore(path)
      .load()
      .catch((e: unknown) => e)) as Error;
    expect(err.message).toContain(path);
    expect(err.message).not.toContain("SECRET");
    await writeFile(path, JSON.stringify({ clusterId: "c1" }));
    await expect(createFileCredentialStore(path).load()).rejects.toThrow(/lacks clusterId or credential/);
  });
});
