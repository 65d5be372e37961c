/**
 * GET /v1/agent/machines/{machineId}/ssh-key on the real app and Postgres.
 * Machines move only through the real APIs: the agent reserves them
 * (POST /v1/agent/allocations) and reports their transitions
 * (POST /v1/agent/transitions); an operator archives through /v1/machines.
 * The agent of cluster A gets the stored key of a machine A holds, parseable
 * by ssh2 with the public half the store showed, and audited; any other
 * machine (cluster B's, a free one, one that has left or been archived, or
 * one whose key ref names no stored key) is the same 404. The key is in no
 * other response, no log line, and nowhere in the database in plain text.
 */
import { randomUUID } from "node:crypto";
import { and, eq } from "drizzle-orm";
import { utils } from "ssh2";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { auditLogs } from "../../../../../drizzle/schema/index.ts";
import { seedCluster, seedMachines, seedPool } from "../../../../support/fixtures.ts";
import { requirePostgres } from "../../../../support/postgres.ts";
import { sshKeygen } from "../../../../unit/functions/lib/ssh-keys/ssh-keygen.ts";
import { keyBody, keyLines, type SshKeyApi, startSshKeyApi } from "../ssh-keys/ssh-key-api.ts";

const ok = await requirePostgres();

describe.skipIf(!ok)("agent SSH key release", () => {
  let api: SshKeyApi;
  /** every response other than the releases, to look for key material in */
  const others: string[] = [];
  /** every key released, and the public key lines the store showed, by fingerprint */
  const released: { privateKey: string; fingerprint: string }[] = [];
  const publicKeys = new Map<string, string>();
  beforeAll(async () => {
    api = await startSshKeyApi();
  });
  afterAll(() => api?.close());

  async function send(method: string, path: string, token: string, body?: unknown) {
    const res = await api.call(method, path, { token, body });
    const text = await res.text();
    return { status: res.status, body: text ? JSON.parse(text) : undefined, text, res };
  }
  const admin = async (method: string, path: string, body?: unknown) => {
    const answer = await send(method, path, api.admin, body);
    others.push(answer.text);
    if (answer.body?.fingerprint) publicKeys.set(answer.body.fingerprint, answer.body.publicKey);
    return answer;
  };

  /** A cluster with an agent credential and a pool that takes only machines labelled for it. */
  async function clusterWithPool() {
    const { db } = api.database;
    const cluster = await seedCluster(db);
    const tag = randomUUID().slice(0, 8);
    const pool = await seedPool(db, cluster.id, {
      maxSize: 20,
      hardwareRequirements: { machineLabels: { tag } },
    });
    const credential = await api.agentCredentialFor(cluster.id);
    const agent = async (method: string, path: string, body?: unknown) => {
      const answer = await send(method, path, credential, body);
      if (!path.endsWith("/ssh-key")) others.push(answer.text);
      else if (answer.status === 200) released.push(answer.body);
      return answer;
    };
    /** free machines this pool may take, added to the inventory (not moved: created) */
    const offer = (count: number, sshKeyRef: string | null) =>
      seedMachines(db, count, { labels: { tag }, sshKeyRef });
    const reserve = async (count: number): Promise<string[]> => {
      const res = await agent("POST", "/v1/agent/allocations", {
        poolId: pool.id,
        delta: count,
        requestId: randomUUID(),
      });
      expect(res.status).toBe(200);
      return res.body.machines.map((m: { id: string }) => m.id);
    };
    const move = async (machineId: string, ...path: string[]) => {
      for (let i = 1; i < path.length; i++) {
        const res = await agent("POST", "/v1/agent/transitions", {
          items: [{ machineId, from: path[i - 1], to: path[i], nodeName: `node-${machineId.slice(0, 8)}` }],
        });
        expect(res.body.results[0]).toMatchObject({ ok: true, machine: { status: path[i] } });
      }
    };
    const fetchKey = (machineId: string) => agent("GET", `/v1/agent/machines/${machineId}/ssh-key`);
    return { cluster, pool, agent, offer, reserve, move, fetchKey };
  }

  it("releases a stored key only for a machine its cluster holds, and a 404 otherwise", async () => {
    const keyName = `rack-${randomUUID().slice(0, 8)}`;
    const created = await admin("POST", "/v1/ssh-keys", { name: keyName });
    expect(created.status).toBe(201);
    const a = await clusterWithPool();
    const b = await clusterWithPool();

    await a.offer(4, keyName);
    const [held, leaver, archived, extra] = await a.reserve(4);
    await b.offer(1, keyName);
    const [foreign] = await b.reserve(1);
    const [free] = await a.offer(1, keyName);

    // reserved: released, with Cache-Control: no-store
    const reserved = await a.fetchKey(held!);
    expect(reserved.status).toBe(200);
    expect(reserved.res.headers.get("cache-control")).toBe("no-store");
    expect(reserved.body).toMatchObject({
      machineId: held,
      keyRef: keyName,
      fingerprint: created.body.fingerprint,
      version: 1,
    });
    expect(reserved.body.passphrase).toBeUndefined();
    const parsed = utils.parseKey(reserved.body.privateKey);
    if (parsed instanceof Error) throw parsed;
    const key = Array.isArray(parsed) ? parsed[0]! : parsed;
    expect(key.type).toBe("ssh-ed25519");
    expect(key.getPublicSSH().toString("base64")).toBe(created.body.publicKey.split(" ")[1]);

    // ready (through joining): still released
    await a.move(held!, "reserved", "joining", "ready");
    expect((await a.fetchKey(held!)).status).toBe(200);

    // another cluster's machine, a free one, an unknown one: the same 404
    const refusals = [await a.fetchKey(foreign!), await a.fetchKey(free!.id), await a.fetchKey(randomUUID())];
    expect((await b.fetchKey(foreign!)).status).toBe(200);
    expect((await b.fetchKey(held!)).status).toBe(404);

    // one that has left: ready, draining, leaving, back to available
    await a.move(leaver!, "reserved", "joining", "ready", "draining", "leaving");
    expect((await a.fetchKey(leaver!)).status).toBe(200);
    await a.move(leaver!, "leaving", "available");
    refusals.push(await a.fetchKey(leaver!));

    // one released from its reservation and archived by an operator
    await a.move(archived!, "reserved", "available");
    expect((await admin("POST", `/v1/machines/${archived}/archive`, {})).status).toBe(200);
    refusals.push(await a.fetchKey(archived!));

    for (const refusal of refusals) {
      expect(refusal.status).toBe(404);
      expect(refusal.body.error.code).toBe("not_found");
      expect(refusal.body.error.message).toMatch(
        /^no stored SSH key for machine [0-9a-f-]{36} is available to this cluster$/,
      );
      expect(Object.keys(refusal.body.error.details)).toEqual(["machineId"]);
    }

    // not a UUID: refused before any lookup
    expect((await a.fetchKey("not-a-uuid")).status).toBe(400);
    // an API token is not an agent credential
    expect((await send("GET", `/v1/agent/machines/${extra}/ssh-key`, api.admin)).status).toBe(403);
  });

  it("answers 404 for a key ref naming no stored key, and uses `default` without a ref", async () => {
    const a = await clusterWithPool();
    await a.offer(1, `missing-${randomUUID().slice(0, 8)}`);
    const [dangling] = await a.reserve(1);
    expect((await a.fetchKey(dangling!)).status).toBe(404);

    await a.offer(1, null);
    const [unnamed] = await a.reserve(1);
    const before = await a.fetchKey(unnamed!);
    expect(before.status).toBe(404);
    const key = sshKeygen({ type: "ed25519", passphrase: "for the default key" });
    const stored = await admin("POST", "/v1/ssh-keys", {
      name: "default",
      privateKey: key.privateKey,
      passphrase: "for the default key",
    });
    expect(stored.status).toBe(201);
    const released = await a.fetchKey(unnamed!);
    expect(released.status).toBe(200);
    expect(released.body).toMatchObject({
      keyRef: "default",
      fingerprint: key.fingerprint,
      passphrase: "for the default key",
    });
    expect(released.body.privateKey.trim()).toBe(key.privateKey.trim());
    const parsed = utils.parseKey(released.body.privateKey, released.body.passphrase);
    if (parsed instanceof Error) throw parsed;
    // deleting `default` is refused while a machine without a ref that is not archived exists
    expect((await admin("DELETE", "/v1/ssh-keys/default")).status).toBe(409);

    // after a rotation the agent gets the new key and version
    const rotated = await admin("POST", "/v1/ssh-keys/default/rotate", {});
    expect(rotated.body.version).toBe(2);
    const after = await a.fetchKey(unnamed!);
    expect(after.body).toMatchObject({ version: 2, fingerprint: rotated.body.fingerprint });
    expect(after.body.passphrase).toBeUndefined();
  });

  it("writes one audit row per release, naming machine, cluster, key and version, never the key", async () => {
    const rows = await api.database.db
      .select()
      .from(auditLogs)
      .where(and(eq(auditLogs.action, "ssh_key.released"), eq(auditLogs.resourceType, "ssh_key")));
    // first test: 2 (reserved, ready) + 1 (cluster B's own) + 1 (leaving); second: 2
    expect(rows).toHaveLength(6);
    for (const row of rows) {
      expect(row.result).toBe("success");
      expect(row.clusterId).toEqual(expect.any(String));
      expect(row.actor).toMatch(/^agent:/);
      expect(Object.keys(row.changes).sort()).toEqual(["fingerprint", "keyName", "machineId", "version"]);
    }
    expect(JSON.stringify(rows)).not.toContain("PRIVATE KEY");
  });

  it("shows the released keys in no other response, no log line and nowhere in the database", async () => {
    expect(released).toHaveLength(6);
    const logs = JSON.stringify(api.logger.lines);
    const dump = await api.dump();
    const responses = others.join("\n");
    expect(api.logger.lines.length).toBeGreaterThan(0);
    expect(responses).toContain("ssh-ed25519 ");
    for (const { privateKey, fingerprint } of released) {
      const lines = keyLines(privateKey, publicKeys.get(fingerprint)!);
      expect(lines.length).toBeGreaterThan(0);
      for (const text of [responses, logs, dump]) {
        expect(text).not.toContain(keyBody(privateKey));
        for (const line of lines) expect(text).not.toContain(line);
      }
    }
    for (const text of [responses, logs, dump]) expect(text).not.toContain("for the default key");
    expect(dump).not.toContain("OPENSSH PRIVATE KEY");
    expect(logs).not.toContain("OPENSSH PRIVATE KEY");
    expect(responses).not.toContain("OPENSSH PRIVATE KEY");
  });
});
