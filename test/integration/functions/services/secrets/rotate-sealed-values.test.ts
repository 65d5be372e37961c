/**
 * The rotation pass on Postgres and PGlite, over values stored through the
 * real SSH key and kubeconfig stores: every value on an older key ends on
 * the current one and opens to what was stored, in batches whose counts are
 * logged; a writer that replaces a value between the pass's read and its
 * write wins; a value on a key the keyring does not hold is reported by row
 * and key id (never content) once per pass and left; a pass cut short by its
 * bound is finished by the next, which looks only at what is left; the
 * status counts follow. The scheduled job does nothing without a keyring and,
 * once a pass found nothing left for a key list, idle ticks lease no database.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { clusterKubeconfigs } from "../../../../../drizzle/schema/cluster-kubeconfigs.ts";
import { sshKeys } from "../../../../../drizzle/schema/ssh-keys.ts";
import { JobRegistry } from "../../../../../functions/jobs/registry.ts";
import {
  ROTATE_ENCRYPTION_JOB,
  rotateEncryptionJob,
} from "../../../../../functions/jobs/rotate-encryption.ts";
import { runJob } from "../../../../../functions/jobs/runner.ts";
import { Keyring } from "../../../../../functions/lib/crypto/keyring.ts";
import { generateEd25519 } from "../../../../../functions/lib/ssh-keys/generate-ed25519.ts";
import { InProcessQueue } from "../../../../../functions/queue/in-process.ts";
import { storeKubeconfig } from "../../../../../functions/services/clusters/kubeconfig-store.ts";
import { getEncryptionStatus } from "../../../../../functions/services/secrets/encryption-status.ts";
import { rotateSealedValues } from "../../../../../functions/services/secrets/rotate-sealed-values.ts";
import { rotationDone } from "../../../../../functions/services/secrets/rotation-done.ts";
import { rotateSshKey } from "../../../../../functions/services/ssh-keys/rotate-ssh-key.ts";
import { startTestApi, TEST_API_DRIVERS, type TestApi } from "../../../../support/api.ts";
import { tokenKubeconfig } from "../../../../support/kubeconfig-fixtures.ts";
import { requirePostgres } from "../../../../support/postgres.ts";
import { consumeEach } from "../../../../support/queue-consumers.ts";
import {
  openStored,
  type StoredSecret,
  secretsContext,
  storedKeyIdsById,
  storeSecrets,
  testKey,
} from "../../../../support/sealed-values.ts";

const ok = await requirePostgres();

const k0 = testKey("k0");
const k1 = testKey("k1");
const k2 = testKey("k2");
const ring1 = new Keyring([k1]);
const ring21 = new Keyring([k2, k1]);
const ring2only = new Keyring([k2]);
const BIG = { maxBatches: 1_000, budgetMs: 60_000 };

describe.each(TEST_API_DRIVERS)("rotation of sealed values on %s", (driver) => {
  describe.skipIf(driver !== "pglite" && !ok)(driver, () => {
    let api: TestApi;
    const db = () => api.database.db;
    beforeAll(async () => {
      api = await startTestApi({ driver });
    });
    afterAll(() => api?.close());
    // every test counts the values it stored itself: it starts from none
    beforeEach(async () => {
      await db().delete(sshKeys);
      await db().delete(clusterKubeconfigs);
    });

    const keyIds = async () => [...(await storedKeyIdsById(db())).values()].sort();
    const expectAllOpen = async (stored: StoredSecret[], ring: Keyring) => {
      const ctx = secretsContext(db(), ring);
      for (const value of stored) expect(await openStored(ctx, value)).toBe(value.secret);
    };

    it("moves every value to the current key in logged batches; each opens to what was stored", async () => {
      const stored = await storeSecrets(secretsContext(db(), ring1), { sshKeys: 3, kubeconfigs: 4 });
      const before = await getEncryptionStatus({ ctx: secretsContext(db(), ring21), input: {} });
      expect(before).toEqual({
        currentKeyId: "k2",
        keyIds: ["k2", "k1"],
        values: [
          { table: "ssh_keys", total: 3, byKeyId: { k1: 3 } },
          { table: "cluster_kubeconfigs", total: 4, byKeyId: { k1: 4 } },
        ],
        pendingRotation: 7,
        unknownKeyIds: [],
      });

      const ctx = secretsContext(db(), ring21);
      const result = await rotateSealedValues({ ctx, input: { ...BIG, batchSize: 2 } });
      expect(result).toMatchObject({
        currentKeyId: "k2",
        rotated: 7,
        skipped: 0,
        failed: 0,
        batches: 4,
        complete: true,
        pendingRotation: 0,
        failures: [],
        tables: [
          { table: "ssh_keys", rotated: 3, skipped: 0, failed: 0 },
          { table: "cluster_kubeconfigs", rotated: 4, skipped: 0, failed: 0 },
        ],
      });
      const batches = ctx.logger.lines.filter((l) => l.msg === "encryption rotation batch");
      expect(batches.map((l) => [l.table, l.selected, l.rotated])).toEqual([
        ["ssh_keys", 2, 2],
        ["ssh_keys", 1, 1],
        ["cluster_kubeconfigs", 2, 2],
        ["cluster_kubeconfigs", 2, 2],
      ]);
      expect(ctx.logger.lines.some((l) => l.msg === "encryption rotation pass" && l.rotated === 7)).toBe(
        true,
      );
      const logged = JSON.stringify(ctx.logger.lines);
      for (const value of stored) expect(logged).not.toContain(value.secret.slice(40, 80));

      expect(await keyIds()).toEqual(Array(7).fill("k2"));
      await expectAllOpen(stored, ring2only);
      const after = await getEncryptionStatus({ ctx: secretsContext(db(), ring2only), input: {} });
      expect(after).toMatchObject({
        values: [
          { table: "ssh_keys", total: 3, byKeyId: { k2: 3 } },
          { table: "cluster_kubeconfigs", total: 4, byKeyId: { k2: 4 } },
        ],
        pendingRotation: 0,
        unknownKeyIds: [],
      });
      // nothing left for this key list, remembered; and a second pass finds nothing
      expect(await rotationDone(ctx, ring21)).toBe(true);
      expect(await rotationDone(ctx, ring2only)).toBe(false);
      expect(await rotateSealedValues({ ctx, input: BIG })).toMatchObject({ rotated: 0, batches: 0 });
    });

    it("keeps what a writer put there between the pass's read and its write (the writer wins)", async () => {
      const stored = await storeSecrets(secretsContext(db(), ring1), { sshKeys: 2, kubeconfigs: 2 });
      const [sshTarget, , kubeTarget] = stored as [StoredSecret, StoredSecret, StoredSecret, StoredSecret];
      const writer = secretsContext(db(), ring21);
      const replaced = new Map<string, string>();
      // the writers run while the pass holds the old value in hand, just before its guarded write
      class RacedKeyring extends Keyring {
        override async encrypt(plaintext: Uint8Array | string, aad: string): Promise<string> {
          if (aad === `ssh_keys:${sshTarget.id}` && !replaced.has(aad)) {
            const { privateKey } = await generateEd25519("replaced");
            replaced.set(aad, privateKey.trim());
            await rotateSshKey({ ctx: writer, input: { sshKey: sshTarget.id, privateKey } });
          }
          if (aad === `cluster_kubeconfigs:${kubeTarget.id}` && !replaced.has(aad)) {
            const { yaml, token } = tokenKubeconfig();
            replaced.set(aad, token);
            await storeKubeconfig({ ctx: writer, input: { clusterId: kubeTarget.id, kubeconfig: yaml } });
          }
          return super.encrypt(plaintext, aad);
        }
      }
      const result = await rotateSealedValues({
        ctx: secretsContext(db(), new RacedKeyring([k2, k1])),
        input: { ...BIG, batchSize: 10 },
      });
      expect(result).toMatchObject({ rotated: 2, skipped: 2, failed: 0, complete: true, pendingRotation: 0 });
      expect(await keyIds()).toEqual(["k2", "k2", "k2", "k2"]);
      const expected = stored.map((v) => ({ ...v, secret: replaced.get(`${v.table}:${v.id}`) ?? v.secret }));
      expect(expected.filter((v, i) => v.secret !== stored[i]!.secret)).toHaveLength(2);
      await expectAllOpen(expected, ring2only);
    });

    it("reports a value on a key it does not hold by row and key id, once per pass, and leaves it", async () => {
      const [lost] = await storeSecrets(secretsContext(db(), new Keyring([k0])), {
        sshKeys: 1,
        kubeconfigs: 0,
      });
      const stored = await storeSecrets(secretsContext(db(), ring1), { sshKeys: 1, kubeconfigs: 2 });
      const ctx = secretsContext(db(), ring21);
      const result = await rotateSealedValues({ ctx, input: { ...BIG, batchSize: 1 } });
      expect(result).toMatchObject({ rotated: 3, failed: 1, complete: true, pendingRotation: 1 });
      expect(result.failures).toEqual([
        { table: "ssh_keys", id: lost!.id, keyId: "k0", reason: "unknown_key" },
      ]);
      const warnings = ctx.logger.lines.filter(
        (l) => l.msg === "a sealed value cannot be re-encrypted; left as it is",
      );
      expect(warnings).toEqual([expect.objectContaining({ table: "ssh_keys", id: lost!.id, keyId: "k0" })]);
      expect(JSON.stringify(ctx.logger.lines)).not.toContain(lost!.secret.slice(40, 80));
      await expectAllOpen(stored, ring2only);
      expect(await openStored(secretsContext(db(), new Keyring([k0])), lost!)).toBe(lost!.secret);

      const status = await getEncryptionStatus({ ctx, input: {} });
      expect(status).toMatchObject({ pendingRotation: 1, unknownKeyIds: ["k0"] });
      expect(status.values[0]).toEqual({ table: "ssh_keys", total: 2, byKeyId: { k0: 1, k2: 1 } });
      // nothing more this key list can do: remembered, so the job stops asking
      expect(await rotationDone(ctx, ring21)).toBe(true);
      const again = await rotateSealedValues({ ctx: secretsContext(db(), ring21), input: BIG });
      expect(again).toMatchObject({ rotated: 0, failed: 1 });
      // with the key back in the list, the value moves too
      const healed = await rotateSealedValues({
        ctx: secretsContext(db(), new Keyring([k2, k1, k0])),
        input: BIG,
      });
      expect(healed).toMatchObject({ rotated: 1, failed: 0, pendingRotation: 0 });
      expect(await openStored(secretsContext(db(), ring2only), lost!)).toBe(lost!.secret);
    });

    it("finishes a pass cut short by its bound on the next, which looks only at what is left", async () => {
      const stored = await storeSecrets(secretsContext(db(), ring1), { sshKeys: 0, kubeconfigs: 5 });
      const ctx = secretsContext(db(), ring21);
      const pass = () =>
        rotateSealedValues({ ctx, input: { batchSize: 2, maxBatches: 1, budgetMs: 60_000 } });
      expect(await pass()).toMatchObject({ rotated: 2, batches: 1, complete: false, pendingRotation: 3 });
      expect(await rotationDone(ctx, ring21)).toBe(false);
      expect(await pass()).toMatchObject({ rotated: 2, complete: false, pendingRotation: 1 });
      expect(await pass()).toMatchObject({ rotated: 1, complete: true, pendingRotation: 0 });
      expect(await rotationDone(ctx, ring21)).toBe(true);
      await expectAllOpen(stored, ring2only);
      // a pass with no time left starts no batch at all
      const noTime = await rotateSealedValues({ ctx, input: { maxBatches: 10, budgetMs: 0 } });
      expect(noTime).toMatchObject({ batches: 0, complete: false });
    });

    it("the job: a no-op without a keyring; rotates; then idle ticks lease no database until the key list changes", async () => {
      const stored = await storeSecrets(secretsContext(db(), ring1), { sshKeys: 1, kubeconfigs: 1 });
      let leases = 0;
      const runWith = (encryption: Keyring | undefined) => {
        const app = {
          ...api.deps,
          ...(encryption ? { encryption } : { encryption: undefined }),
          databases: {
            acquire: () => {
              leases++;
              return api.deps.databases.acquire();
            },
          },
        };
        const queue = new InProcessQueue({
          clock: api.deps.clock,
          logger: api.deps.logger,
          consumeBatch: consumeEach(async () => ({ action: "ack" as const })),
        });
        return runJob(
          { app, registry: new JobRegistry([rotateEncryptionJob]), queue },
          rotateEncryptionJob,
          "test",
        );
      };
      expect(rotateEncryptionJob.name).toBe(ROTATE_ENCRYPTION_JOB);
      expect(ROTATE_ENCRYPTION_JOB).toBe("rotate-encryption");

      expect(await runWith(undefined)).toMatchObject({ outcome: "ok" });
      expect(leases).toBe(0);
      expect(await keyIds()).toEqual(["k1", "k1"]);

      expect(await runWith(ring21)).toMatchObject({ outcome: "ok" });
      expect(leases).toBe(1);
      expect(await keyIds()).toEqual(["k2", "k2"]);
      await expectAllOpen(stored, ring2only);

      expect(await runWith(ring21)).toMatchObject({ outcome: "ok" });
      expect(await runWith(ring21)).toMatchObject({ outcome: "ok" });
      expect(leases).toBe(1);

      const k3 = testKey("k3");
      expect(await runWith(new Keyring([k3, k2, k1]))).toMatchObject({ outcome: "ok" });
      expect(leases).toBe(2);
      expect(await keyIds()).toEqual(["k3", "k3"]);
      await expectAllOpen(stored, new Keyring([k3]));
    });
  });
});
