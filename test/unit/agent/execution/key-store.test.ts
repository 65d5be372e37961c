/** SSH keys from --ssh-key-dir by keyRef: plain names only, never outside the directory, passphrases beside them. */
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { createKeyDirStore, keyPathOf } from "../../../../agent/ssh/key-store.ts";

const root = mkdtempSync(path.join(tmpdir(), "ksp-keys-"));
const dir = path.join(root, "keys");
mkdirSync(path.join(dir, "..data", "team"), { recursive: true });
writeFileSync(path.join(dir, "..data", "default"), "DEFAULT KEY");
writeFileSync(path.join(dir, "..data", "team", "id_ed25519"), "TEAM KEY");
writeFileSync(path.join(dir, "..data", "team", "id_ed25519.passphrase"), "s3cret\n");
// a mounted Secret: every key is a symlink into ..data
symlinkSync("..data/default", path.join(dir, "default"));
symlinkSync("..data/team", path.join(dir, "team"));
writeFileSync(path.join(root, "outside"), "NOT YOURS");
symlinkSync("../outside", path.join(dir, "escape"));
afterAll(() => rmSync(root, { recursive: true, force: true }));

describe("SSH key store", () => {
  const store = createKeyDirStore(dir);

  it("loads the default key for machines without a keyRef, and a named one with its passphrase", async () => {
    expect(await store.load(null)).toEqual({ key: "DEFAULT KEY" });
    expect(await store.load("team/id_ed25519")).toEqual({ key: "TEAM KEY", passphrase: "s3cret" });
  });

  it("refuses references that could leave the directory, and says what is missing", async () => {
    for (const bad of ["../outside", "/etc/passwd", "team/../default", ".hidden", "a b", ""]) {
      expect(keyPathOf(bad)).toBeNull();
      await expect(store.load(bad)).rejects.toMatchObject({ errorClass: "auth", retryable: false });
    }
    await expect(store.load("escape")).rejects.toThrow(/resolves outside --ssh-key-dir/);
    await expect(store.load("nope")).rejects.toThrow(`no SSH key "nope" in --ssh-key-dir ${dir}`);
    await expect(createKeyDirStore(null).load("x")).rejects.toThrow(/without --ssh-key-dir/);
  });
});
