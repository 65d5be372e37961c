/**
 * GET /v1/encryption and POST /v1/encryption/rotate on the real app: admin
 * only (and unscoped), counts per table and key id with what waits for
 * rotation and which key ids are missing, never a value; a rotation pass
 * that answers its counts and is audited; 503 naming KSP_ENCRYPTION_KEYS
 * where no keyring is configured (the status still answers there); 409 while
 * the scheduled job holds the rotation lock.
 */
import { and, eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { auditLogs } from "../../../../../../drizzle/schema/audit-logs.ts";
import { clusterKubeconfigs } from "../../../../../../drizzle/schema/cluster-kubeconfigs.ts";
import { sshKeys } from "../../../../../../drizzle/schema/ssh-keys.ts";
import { type App, createApp } from "../../../../../../functions/app.ts";
import { Keyring } from "../../../../../../functions/lib/crypto/keyring.ts";
import { ROTATION_LOCK_KEY } from "../../../../../../functions/services/secrets/rotate-now.ts";
import { startTestApi, type TestApi } from "../../../../../support/api.ts";
import { seedCluster } from "../../../../../support/fixtures.ts";
import { requirePostgres } from "../../../../../support/postgres.ts";
import {
  openStored,
  type StoredSecret,
  secretsContext,
  storeSecrets,
  testKey,
} from "../../../../../support/sealed-values.ts";

const ok = await requirePostgres();

const k1 = testKey("k1");
const k2 = testKey("k2");

describe.skipIf(!ok)("/v1/encryption", () => {
  let api: TestApi;
  /** the same deps with keys [k2, k1], as a control plane started with KSP_ENCRYPTION_KEYS=k2:…,k1:… */
  let keyed: App;
  let stored: StoredSecret[];
  beforeAll(async () => {
    api = await startTestApi();
    keyed = createApp({ ...api.deps, encryption: new Keyring([k2, k1]) });
    stored = await storeSecrets(secretsContext(api.database.db, new Keyring([k1])), {
      sshKeys: 2,
      kubeconfigs: 3,
    });
  });
  afterAll(() => api?.close());

  const call = async (app: App, method: string, path: string, token: string) => {
    const res = await app.request(path, { method, headers: { authorization: `Bearer ${token}` } });
    const text = await res.text();
    return { status: res.status, body: text ? JSON.parse(text) : undefined, text };
  };

  it("is for unscoped admins only", async () => {
    const cluster = await seedCluster(api.database.db);
    for (const token of [
      await api.tokenFor("viewer"),
      await api.tokenFor("operator"),
      await api.tokenFor("admin", cluster.id),
    ]) {
      expect((await call(keyed, "GET", "/v1/encryption", token)).status).toBe(403);
      expect((await call(keyed, "POST", "/v1/encryption/rotate", token)).status).toBe(403);
    }
    expect(await api.database.db.select().from(sshKeys).where(eq(sshKeys.encryptionKeyId, "k2"))).toEqual([]);
  });

  it("without a keyring: the status says what cannot be read, and a rotation is 503 naming the setting", async () => {
    const status = await call(api.app, "GET", "/v1/encryption", api.admin);
    expect(status.status).toBe(200);
    expect(status.body).toEqual({
      currentKeyId: null,
      keyIds: [],
      values: [
        { table: "ssh_keys", total: 2, byKeyId: { k1: 2 } },
        { table: "cluster_kubeconfigs", total: 3, byKeyId: { k1: 3 } },
      ],
      pendingRotation: 5,
      unknownKeyIds: ["k1"],
    });
    const rotate = await call(api.app, "POST", "/v1/encryption/rotate", api.admin);
    expect(rotate.status).toBe(503);
    expect(rotate.body.error).toMatchObject({ code: "dependency_unavailable" });
    expect(rotate.body.error.message).toContain("KSP_ENCRYPTION_KEYS");
  });

  it("answers 409 while the rotation job holds its lock", async () => {
    const lock = await api.deps.coordination.acquireLock(ROTATION_LOCK_KEY, 60_000);
    expect(lock).not.toBeNull();
    try {
      const res = await call(keyed, "POST", "/v1/encryption/rotate", api.admin);
      expect(res.status).toBe(409);
      expect(res.body.error.code).toBe("conflict");
    } finally {
      await api.deps.coordination.releaseLock(lock!);
    }
  });

  it("counts per table and key id, rotates on request with an audit row, and never sends a value", async () => {
    const before = await call(keyed, "GET", "/v1/encryption", api.admin);
    expect(before.status).toBe(200);
    expect(before.body).toEqual({
      currentKeyId: "k2",
      keyIds: ["k2", "k1"],
      values: [
        { table: "ssh_keys", total: 2, byKeyId: { k1: 2 } },
        { table: "cluster_kubeconfigs", total: 3, byKeyId: { k1: 3 } },
      ],
      pendingRotation: 5,
      unknownKeyIds: [],
    });

    const rotated = await call(keyed, "POST", "/v1/encryption/rotate", api.admin);
    expect(rotated.status).toBe(200);
    expect(rotated.body).toMatchObject({
      currentKeyId: "k2",
      rotated: 5,
      skipped: 0,
      failed: 0,
      complete: true,
      failures: [],
      pendingRotation: 0,
      tables: [
        { table: "ssh_keys", rotated: 2, skipped: 0, failed: 0 },
        { table: "cluster_kubeconfigs", rotated: 3, skipped: 0, failed: 0 },
      ],
    });
    const [audit] = await api.database.db
      .select()
      .from(auditLogs)
      .where(and(eq(auditLogs.action, "encryption.rotate"), eq(auditLogs.result, "success")));
    expect(audit).toMatchObject({ resourceType: "encryption", changes: { rotated: 5, pendingRotation: 0 } });

    const after = await call(keyed, "GET", "/v1/encryption", api.admin);
    expect(after.body).toMatchObject({
      values: [
        { table: "ssh_keys", total: 2, byKeyId: { k2: 2 } },
        { table: "cluster_kubeconfigs", total: 3, byKeyId: { k2: 3 } },
      ],
      pendingRotation: 0,
    });
    const ciphertexts = [
      ...(await api.database.db.select({ c: sshKeys.secretCiphertext }).from(sshKeys)),
      ...(await api.database.db.select({ c: clusterKubeconfigs.ciphertext }).from(clusterKubeconfigs)),
    ].map((r) => r.c);
    for (const text of [before.text, rotated.text, after.text, JSON.stringify(audit)]) {
      for (const c of ciphertexts) expect(text).not.toContain(c.split(".")[3]!.slice(0, 24));
      for (const value of stored) expect(text).not.toContain(value.secret.slice(40, 80));
    }
    const ring2 = secretsContext(api.database.db, new Keyring([k2]));
    for (const value of stored) expect(await openStored(ring2, value)).toBe(value.secret);
  });
});
