/**
 * `ksp encryption status|rotate`, the real binary against a real control
 * plane holding keys [k2, k1] and secrets stored under k1 (and one under a
 * key it does not hold): the status table and JSON, a rotation driven to the
 * end with --all, and exit 1 while some value cannot be opened.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Keyring } from "../../../functions/lib/crypto/keyring.ts";
import { type CliControlPlane, spawnKsp, startCliControlPlane } from "../../support/cli/binary.ts";
import { requirePostgres } from "../../support/postgres.ts";
import { secretsContext, storeSecrets, testKey } from "../../support/sealed-values.ts";

const ok = await requirePostgres();

describe.skipIf(!ok)("ksp encryption", { timeout: 90_000 }, () => {
  let cp: CliControlPlane;
  const k0 = testKey("k0");
  const k1 = testKey("k1");
  const k2 = testKey("k2");
  beforeAll(async () => {
    cp = await startCliControlPlane({ encryption: new Keyring([k2, k1]) });
    await storeSecrets(secretsContext(cp.api.database.db, new Keyring([k1])), { sshKeys: 2, kubeconfigs: 3 });
    await storeSecrets(secretsContext(cp.api.database.db, new Keyring([k0])), { sshKeys: 1, kubeconfigs: 0 });
  });
  afterAll(() => cp?.close());

  const ksp = (args: string[]) => spawnKsp(args, { env: { KSP_URL: cp.url, KSP_TOKEN: cp.api.admin } });

  it("shows the counts, rotates everything it can, and exits 1 while a value is on an unknown key", async () => {
    const table = await ksp(["encryption", "status"]);
    expect(table.code).toBe(1);
    expect(table.stdout).toMatch(/Current key:\s+k2/);
    expect(table.stdout).toMatch(/Pending rotation:\s+6/);
    expect(table.stdout).toMatch(/Unknown key ids:\s+k0/);
    expect(table.stdout).toMatch(/ssh_keys\s+3\s+k0=1 k1=2/);
    expect(table.stdout).toMatch(/cluster_kubeconfigs\s+3\s+k1=3/);

    const rotated = await ksp(["encryption", "rotate", "--all", "-o", "json"]);
    expect(rotated.code).toBe(1);
    const passes = JSON.parse(rotated.stdout) as { rotated: number; failed: number; complete: boolean }[];
    expect(passes.at(-1)).toMatchObject({ complete: true, failed: 1 });
    expect(passes.reduce((n, p) => n + p.rotated, 0)).toBe(5);

    const after = await ksp(["encryption", "status", "-o", "json"]);
    expect(JSON.parse(after.stdout)).toMatchObject({
      currentKeyId: "k2",
      pendingRotation: 1,
      unknownKeyIds: ["k0"],
      values: [
        { table: "ssh_keys", total: 3, byKeyId: { k0: 1, k2: 2 } },
        { table: "cluster_kubeconfigs", total: 3, byKeyId: { k2: 3 } },
      ],
    });
    const text = await ksp(["encryption", "rotate"]);
    expect(text.code).toBe(1);
    expect(text.stdout).toMatch(/Rotated:\s+0/);
    expect(text.stdout).toMatch(/ssh_keys\s+[0-9a-f-]{36}\s+k0\s+unknown_key/);
  });
});
