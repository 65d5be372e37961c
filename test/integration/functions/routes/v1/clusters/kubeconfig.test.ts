/**
 * Kubeconfig import (issue 16): POST /v1/clusters in agent mode (as before,
 * optionally with a kubeconfig) and in kubeconfig mode (no registration
 * token; an agent can still be added by rotating one), PUT …/kubeconfig
 * replacing it with a version bump, DELETE removing it with the last check,
 * 400s for kubeconfigs the control plane cannot use, and 503 on a server
 * without an encryption key. What is stored is the sealed original text,
 * which opens only as its own cluster's.
 */
import { randomUUID } from "node:crypto";
import { eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  auditLogs,
  clusterKubeconfigs,
  clusterStates,
  clusters,
} from "../../../../../../drizzle/schema/index.ts";
import { Keyring } from "../../../../../../functions/lib/crypto/keyring.ts";
import { loadKubeconfig } from "../../../../../../functions/services/clusters/kubeconfig-store.ts";
import { kubeconfigAad } from "../../../../../../functions/services/secrets/sealed-values.ts";
import { startTestApi, type TestApi } from "../../../../../support/api.ts";
import { testContext } from "../../../../../support/fixtures.ts";
import {
  b64,
  clientCertKubeconfig,
  kubeconfigYaml,
  tokenKubeconfig,
  uniqueToken,
} from "../../../../../support/kubeconfig-fixtures.ts";
import { requirePostgres } from "../../../../../support/postgres.ts";

const ok = await requirePostgres();

const keyring = new Keyring([{ id: "k1", key: crypto.getRandomValues(new Uint8Array(32)) }]);

describe.skipIf(!ok)("importing kubeconfigs", () => {
  let api: TestApi;
  beforeAll(async () => {
    api = await startTestApi({ encryption: keyring });
  });
  afterAll(() => api?.close());

  const name = () => `k-${randomUUID().slice(0, 8)}`;
  const create = (body: unknown, token = api.admin) => api.json("POST", "/v1/clusters", { token, body });
  const put = (ref: string, kubeconfig: unknown, token = api.admin) =>
    api.json("PUT", `/v1/clusters/${ref}/kubeconfig`, { token, body: { kubeconfig } });
  const stored = async (clusterId: string) =>
    (
      await api.database.db
        .select()
        .from(clusterKubeconfigs)
        .where(eq(clusterKubeconfigs.clusterId, clusterId))
    )[0];
  const auditOf = async (clusterId: string) =>
    (await api.database.db.select().from(auditLogs).where(eq(auditLogs.resourceId, clusterId))).map((a) => ({
      action: a.action,
      result: a.result,
      changes: a.changes,
    }));
  const ctx = () => testContext(api.database.db, { encryption: keyring });

  it("kubeconfig mode: no registration token, the original text sealed to the cluster, metadata beside it", async () => {
    const { yaml, token } = tokenKubeconfig({ server: "https://api.k1.example:6443" });
    const { status, body } = await create({ name: name(), mode: "kubeconfig", kubeconfig: b64(yaml) });
    expect(status).toBe(201);
    expect(body.registrationToken).toBeNull();
    expect(body.registrationTokenExpiresAt).toBeNull();
    expect(body.cluster).toMatchObject({
      status: "pending",
      access: { agent: false, kubeconfig: true },
      kubeconfig: {
        server: "https://api.k1.example:6443",
        contextName: "test-admin@test",
        authKind: "token",
        hasCertificateAuthority: false,
        version: 1,
      },
    });
    const id = body.cluster.id as string;

    const [cluster] = await api.database.db.select().from(clusters).where(eq(clusters.id, id));
    expect(cluster!.registrationTokenHash).toBeNull();
    const row = (await stored(id))!;
    expect(row).toMatchObject({ encryptionKeyId: "k1", authKind: "token", version: 1 });
    expect(row.ciphertext).toMatch(/^v1\.k1\./);
    expect(row.ciphertext).not.toContain(token);
    // the YAML as sent (decoded from base64), under the cluster's own associated data only
    expect(await keyring.decryptString(row.ciphertext, kubeconfigAad(id))).toBe(yaml);
    await expect(keyring.decryptString(row.ciphertext, kubeconfigAad(randomUUID()))).rejects.toThrow(
      /authentication failed/,
    );

    expect(await loadKubeconfig(ctx(), id)).toEqual({
      kubeconfig: expect.objectContaining({
        server: "https://api.k1.example:6443",
        auth: { kind: "token", token },
      }),
      version: 1,
    });
    expect(await auditOf(id)).toEqual([
      {
        action: "cluster.create",
        result: "success",
        changes: {
          name: body.cluster.name,
          mode: "kubeconfig",
          kubeconfig: { server: "https://api.k1.example:6443", authKind: "token", version: 1 },
        },
      },
    ]);
  });

  it("agent mode with a kubeconfig: both a registration token and a stored kubeconfig", async () => {
    const { yaml } = tokenKubeconfig();
    const { status, body } = await create({ name: name(), kubeconfig: yaml });
    expect(status).toBe(201);
    expect(body.registrationToken).toMatch(/^ksp_reg_/);
    expect(body.cluster.access).toEqual({ agent: false, kubeconfig: true });
    expect((await stored(body.cluster.id))?.version).toBe(1);
  });

  it("agent mode without a kubeconfig is today's create: a token and nothing stored", async () => {
    const { status, body } = await create({ name: name(), mode: "agent" });
    expect(status).toBe(201);
    expect(body.registrationToken).toMatch(/^ksp_reg_/);
    expect(body.cluster.kubeconfig).toBeNull();
    expect(await stored(body.cluster.id)).toBeUndefined();
    expect(await loadKubeconfig(ctx(), body.cluster.id)).toBeNull();
  });

  it("kubeconfig mode without a kubeconfig, or an unknown mode, is a 400", async () => {
    const missing = await create({ name: name(), mode: "kubeconfig" });
    expect(missing.status).toBe(400);
    expect(missing.body.error.message).toMatch(/kubeconfig/);
    expect((await create({ name: name(), mode: "ssh", kubeconfig: tokenKubeconfig().yaml })).status).toBe(
      400,
    );
  });

  it("a kubeconfig cluster gets an agent later through the registration-token rotation", async () => {
    const created = await create({ name: name(), mode: "kubeconfig", kubeconfig: tokenKubeconfig().yaml });
    const rotated = await api.json("POST", `/v1/clusters/${created.body.cluster.name}/registration-token`, {
      token: api.admin,
    });
    expect(rotated.status).toBe(201);
    const registered = await api.json("POST", "/v1/agent/register", {
      body: {
        registrationToken: rotated.body.registrationToken,
        agentVersion: "0.1.0",
        kubernetesVersion: "v1.31.2",
      },
    });
    expect(registered.status).toBe(201);
    expect(registered.body.clusterId).toBe(created.body.cluster.id);
    const view = await api.json("GET", `/v1/clusters/${created.body.cluster.id}`, { token: api.admin });
    expect(view.body).toMatchObject({ status: "active", access: { agent: true, kubeconfig: true } });
  });

  it("PUT imports, then replaces with version + 1, answering the cluster; by name too", async () => {
    const created = await create({ name: name(), mode: "agent" });
    const id = created.body.cluster.id as string;
    const first = tokenKubeconfig();
    const set = await put(id, first.yaml);
    expect(set.status).toBe(200);
    expect(set.body).toMatchObject({ id, kubeconfig: { authKind: "token", version: 1 } });
    const before = (await stored(id))!;

    const second = clientCertKubeconfig({ server: "https://10.1.2.3:6443" });
    const replaced = await put(created.body.cluster.name, second.yaml);
    expect(replaced.status).toBe(200);
    expect(replaced.body.kubeconfig).toMatchObject({
      server: "https://10.1.2.3:6443",
      authKind: "client-certificate",
      hasCertificateAuthority: true,
      version: 2,
    });
    const after = (await stored(id))!;
    expect(after.version).toBe(2);
    expect(after.ciphertext).not.toBe(before.ciphertext);
    expect(after.createdAt.getTime()).toBe(before.createdAt.getTime());
    const loaded = await loadKubeconfig(ctx(), id);
    expect(loaded?.version).toBe(2);
    expect(loaded?.kubeconfig.auth).toEqual({
      kind: "client-certificate",
      certificatePem: second.certificatePem,
      keyPem: second.keyPem,
    });
    expect((await auditOf(id)).filter((a) => a.action === "cluster.kubeconfig.set")).toEqual([
      {
        action: "cluster.kubeconfig.set",
        result: "success",
        changes: { server: "https://api.test.example:6443", authKind: "token", version: 1 },
      },
      {
        action: "cluster.kubeconfig.set",
        result: "success",
        changes: { server: "https://10.1.2.3:6443", authKind: "client-certificate", version: 2 },
      },
    ]);
  });

  it("concurrent replacements all count: the version ends at 1 + their number", async () => {
    const created = await create({ name: name(), mode: "kubeconfig", kubeconfig: tokenKubeconfig().yaml });
    const id = created.body.cluster.id as string;
    const results = await Promise.all(Array.from({ length: 5 }, () => put(id, tokenKubeconfig().yaml)));
    expect(results.map((r) => r.status)).toEqual([200, 200, 200, 200, 200]);
    expect((await stored(id))?.version).toBe(6);
  });

  it("DELETE removes the kubeconfig and the last check (204), then 404; the cluster stays", async () => {
    const created = await create({ name: name(), mode: "kubeconfig", kubeconfig: tokenKubeconfig().yaml });
    const id = created.body.cluster.id as string;
    await api.database.db
      .insert(clusterStates)
      .values({ clusterId: id, status: "healthy", kubeconfigVersion: 1, checkedAt: new Date() });
    const removed = await api.call("DELETE", `/v1/clusters/${created.body.cluster.name}/kubeconfig`, {
      token: api.admin,
    });
    expect(removed.status).toBe(204);
    expect(await removed.text()).toBe("");
    expect(await stored(id)).toBeUndefined();
    expect(await api.database.db.select().from(clusterStates).where(eq(clusterStates.clusterId, id))).toEqual(
      [],
    );
    const again = await api.json("DELETE", `/v1/clusters/${id}/kubeconfig`, { token: api.admin });
    expect(again.status).toBe(404);
    expect(again.body.error.message).toMatch(/has no kubeconfig/);
    const view = await api.json("GET", `/v1/clusters/${id}`, { token: api.admin });
    expect(view.body).toMatchObject({ access: { agent: false, kubeconfig: false }, kubeconfig: null });
    expect((await auditOf(id)).map((a) => [a.action, a.result])).toContainEqual([
      "cluster.kubeconfig.remove",
      "success",
    ]);
  });

  it("answers 400 (never 500) for kubeconfigs it cannot use, quoting no credential, storing nothing", async () => {
    const token = uniqueToken();
    const bad = [
      kubeconfigYaml({ user: { token, exec: { command: "aws" } } }),
      kubeconfigYaml({ user: { token }, extraContexts: ["b"], currentContext: null }),
      kubeconfigYaml({ user: { token }, cluster: { "certificate-authority": "/etc/ca.crt" } }),
      kubeconfigYaml({ user: { token } }).replace(`token: ${token}`, `token: ${token}\n  : [`),
      b64(kubeconfigYaml({ user: { tokenFile: "/t", token } })),
      "not a kubeconfig",
      "x".repeat(400 * 1024),
    ];
    const target = await create({ name: name() });
    for (const kubeconfig of bad) {
      const n = name();
      for (const res of [
        await create({ name: n, mode: "kubeconfig", kubeconfig }),
        await put(target.body.cluster.id, kubeconfig),
      ]) {
        expect(res.status).toBe(400);
        expect(res.body.error.code).toBe("validation_failed");
        const text = JSON.stringify(res.body);
        expect(text).not.toContain(token);
        expect(text).not.toContain(b64(token));
      }
      const [taken] = await api.database.db.select().from(clusters).where(eq(clusters.name, n));
      expect(taken).toBeUndefined();
    }
    expect(await stored(target.body.cluster.id)).toBeUndefined();
  });

  it("only admins set or remove kubeconfigs; a scoped token only its own cluster's", async () => {
    const created = await create({ name: name(), mode: "kubeconfig", kubeconfig: tokenKubeconfig().yaml });
    const id = created.body.cluster.id as string;
    const other = await create({ name: name() });
    for (const role of ["operator", "viewer"] as const) {
      const token = await api.tokenFor(role);
      expect((await put(id, tokenKubeconfig().yaml, token)).status).toBe(403);
      expect((await api.call("DELETE", `/v1/clusters/${id}/kubeconfig`, { token })).status).toBe(403);
      expect(
        (await create({ name: name(), mode: "kubeconfig", kubeconfig: tokenKubeconfig().yaml }, token))
          .status,
      ).toBe(403);
    }
    const scoped = await api.tokenFor("admin", other.body.cluster.id);
    expect([403, 404]).toContain((await put(id, tokenKubeconfig().yaml, scoped)).status);
    expect((await put(other.body.cluster.id, tokenKubeconfig().yaml, scoped)).status).toBe(200);
    expect((await stored(id))?.version).toBe(1);
  });

  it("a deleted cluster's kubeconfig cannot be set (404)", async () => {
    const created = await create({ name: name() });
    const id = created.body.cluster.id as string;
    expect((await api.call("DELETE", `/v1/clusters/${id}`, { token: api.admin })).status).toBe(200);
    expect((await put(id, tokenKubeconfig().yaml)).status).toBe(404);
    expect(await stored(id)).toBeUndefined();
  });

  it("deleting a cluster deletes its sealed kubeconfig with it", async () => {
    const created = await create({ name: name(), mode: "kubeconfig", kubeconfig: tokenKubeconfig().yaml });
    const id = created.body.cluster.id as string;
    expect((await stored(id))?.version).toBe(1);
    expect((await api.call("DELETE", `/v1/clusters/${id}`, { token: api.admin })).status).toBe(200);
    expect(await stored(id)).toBeUndefined();
  });
});

describe.skipIf(!ok)("importing kubeconfigs without an encryption key", () => {
  let api: TestApi;
  beforeAll(async () => {
    api = await startTestApi();
  });
  afterAll(() => api?.close());

  it("answers 503 naming KSP_ENCRYPTION_KEYS and stores nothing; agent mode still works", async () => {
    const n = `k-${randomUUID().slice(0, 8)}`;
    const refused = await api.json("POST", "/v1/clusters", {
      token: api.admin,
      body: { name: n, mode: "kubeconfig", kubeconfig: tokenKubeconfig().yaml },
    });
    expect(refused.status).toBe(503);
    expect(refused.body.error).toMatchObject({ code: "dependency_unavailable" });
    expect(refused.body.error.message).toContain("KSP_ENCRYPTION_KEYS");
    expect(await api.database.db.select().from(clusters).where(eq(clusters.name, n))).toEqual([]);

    const agent = await api.json("POST", "/v1/clusters", { token: api.admin, body: { name: n } });
    expect(agent.status).toBe(201);
    const putRes = await api.json("PUT", `/v1/clusters/${n}/kubeconfig`, {
      token: api.admin,
      body: { kubeconfig: tokenKubeconfig().yaml },
    });
    expect(putRes.status).toBe(503);
    // a broken kubeconfig is still the caller's 400, key or not
    const broken = await api.json("PUT", `/v1/clusters/${n}/kubeconfig`, {
      token: api.admin,
      body: { kubeconfig: kubeconfigYaml({ user: { exec: { command: "x" } } }) },
    });
    expect(broken.status).toBe(400);
    expect(await api.database.db.select().from(clusterKubeconfigs)).toEqual([]);
  });
});
