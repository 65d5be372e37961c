/** SSH keys from --ssh-key-dir by keyRef: plain names only, never outside the directory, passphrases beside them. */
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { keyPathOf } from "../../../../agent/ssh/key-dir.ts";
import { createSshKeyStore } from "../../../../agent/ssh/key-store.ts";
import { fixtureMachine } from "../../../support/agent/fixtures.ts";

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

const machine = (keyRef: string | null) => fixtureMachine({ ssh: { user: "root", port: 22, keyRef } });

describe("SSH key store: files only", () => {
  const store = createSshKeyStore({ dir });

  it("loads the default key for machines without a keyRef, and a named one with its passphrase", async () => {
    expect(await store.load(machine(null))).toEqual({ key: "DEFAULT KEY" });
    expect(await store.load(machine("team/id_ed25519"))).toEqual({ key: "TEAM KEY", passphrase: "s3cret" });
  });

  it("refuses references that could leave the directory, and says what is missing", async () => {
    for (const bad of ["../outside", "/etc/passwd", "team/../default", ".hidden", "a b", ""]) {
      expect(keyPathOf(bad)).toBeNull();
      await expect(store.load(machine(bad))).rejects.toMatchObject({ errorClass: "auth", retryable: false });
    }
    await expect(store.load(machine("escape"))).rejects.toThrow(/resolves outside --ssh-key-dir/);
    await expect(store.load(machine("nope"))).rejects.toThrow(`no file "nope" in --ssh-key-dir ${dir}`);
    await expect(createSshKeyStore({ dir: null }).load(machine("x"))).rejects.toThrow(
      /without --ssh-key-dir/,
    );
  });
});
