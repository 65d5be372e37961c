/**
 * /v1/ssh-keys on the real app and Postgres: keys from the real ssh-keygen
 * (ed25519, RSA, one with a passphrase) keep ssh-keygen's fingerprint; a
 * generated ed25519 key's public half is what the response says; list, get,
 * rotate, patch and delete (409 while a machine that is not archived uses
 * it); bad input is a 400 envelope, never a 500; without KSP_ENCRYPTION_KEYS
 * a 503 names the setting. No response, log line or database row carries
 * the private key in plain text.
 */
import { eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { auditLogs } from "../../../../../drizzle/schema/index.ts";
import { seedMachine } from "../../../../support/fixtures.ts";
import { requirePostgres } from "../../../../support/postgres.ts";
import { sshKeygen } from "../../../../unit/functions/lib/ssh-keys/ssh-keygen.ts";
import { keyBody, keyLines, type SshKeyApi, startSshKeyApi } from "./ssh-key-api.ts";

const ok = await requirePostgres();

let sequence = 0;
const uniqueName = (prefix: string) => `${prefix}-${process.pid}-${++sequence}`;

describe.skipIf(!ok)("/v1/ssh-keys", () => {
  let api: SshKeyApi;
  /** every response text the tests saw, to look for key material in at the end */
  const seen: string[] = [];
  /** every private key the tests stored */
  const secrets: { privateKey: string; publicKey: string }[] = [];
  beforeAll(async () => {
    api = await startSshKeyApi();
  });
  afterAll(() => api?.close());

  async function send(method: string, path: string, body?: unknown, token = api.admin) {
    const res = await api.call(method, path, { token, body });
    const text = await res.text();
    seen.push(text);
    return { status: res.status, body: text ? JSON.parse(text) : undefined };
  }

  it("stores ssh-keygen's keys with ssh-keygen's fingerprint and public key", async () => {
    const cases = [
      { type: "ed25519" as const, algorithm: "ssh-ed25519" },
      { type: "rsa" as const, bits: 3072, algorithm: "ssh-rsa" },
      { type: "ed25519" as const, passphrase: "open sesame", algorithm: "ssh-ed25519" },
    ];
    for (const c of cases) {
      const key = sshKeygen(c);
      secrets.push(key);
      const name = uniqueName(c.type);
      const res = await send("POST", "/v1/ssh-keys", {
        name,
        description: "from ssh-keygen",
        privateKey: key.privateKey,
        ...(c.passphrase ? { passphrase: c.passphrase } : {}),
      });
      expect(res.status).toBe(201);
      expect(res.body).toMatchObject({
        name,
        description: "from ssh-keygen",
        algorithm: c.algorithm,
        fingerprint: key.fingerprint,
        hasPassphrase: c.passphrase !== undefined,
        version: 1,
        rotatedAt: null,
      });
      expect(res.body.publicKey.split(" ").slice(0, 2)).toEqual(key.publicKey.split(" ").slice(0, 2));
      expect(Object.keys(res.body).sort()).toEqual(
        [
          "algorithm",
          "createdAt",
          "description",
          "fingerprint",
          "hasPassphrase",
          "id",
          "name",
          "publicKey",
          "rotatedAt",
          "updatedAt",
          "version",
        ].sort(),
      );
      const [audit] = await api.database.db
        .select()
        .from(auditLogs)
        .where(eq(auditLogs.resourceId, res.body.id));
      expect(audit).toMatchObject({
        action: "ssh_key.create",
        resourceType: "ssh_key",
        result: "success",
        statusCode: 201,
        changes: { name, algorithm: c.algorithm, fingerprint: key.fingerprint, generated: false },
      });
    }
  });

  it("generates an ed25519 key whose public half is the one returned", async () => {
    const name = uniqueName("generated");
    const res = await send("POST", "/v1/ssh-keys", { name });
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({ name, algorithm: "ssh-ed25519", hasPassphrase: false, description: "" });
    expect(res.body.publicKey).toMatch(new RegExp(`^ssh-ed25519 [A-Za-z0-9+/]{68} ${name}$`));
    expect(res.body.fingerprint).toMatch(/^SHA256:[A-Za-z0-9+/]{43}$/);
  });

  it("lists by name with pages and a search, and gets by id or name", async () => {
    const prefix = uniqueName("listed");
    for (const n of ["c", "a", "b"])
      expect((await send("POST", "/v1/ssh-keys", { name: `${prefix}-${n}` })).status).toBe(201);
    const first = await send("GET", `/v1/ssh-keys?q=${prefix}&limit=2`);
    expect(first.status).toBe(200);
    expect(first.body.items.map((k: { name: string }) => k.name)).toEqual([`${prefix}-a`, `${prefix}-b`]);
    expect(first.body.nextCursor).toEqual(expect.any(String));
    const second = await send("GET", `/v1/ssh-keys?q=${prefix}&limit=2&cursor=${first.body.nextCursor}`);
    expect(second.body).toMatchObject({ items: [{ name: `${prefix}-c` }], nextCursor: null });

    const viewer = await api.tokenFor("viewer");
    const byName = await send("GET", `/v1/ssh-keys/${prefix}-b`, undefined, viewer);
    expect(byName.status).toBe(200);
    const byId = await send("GET", `/v1/ssh-keys/${byName.body.id}`, undefined, viewer);
    expect(byId.body).toEqual(byName.body);
    expect((await send("GET", "/v1/ssh-keys/no-such-key")).status).toBe(404);
    expect((await send("GET", `/v1/ssh-keys/${crypto.randomUUID()}`)).status).toBe(404);
    // a viewer or an operator cannot store or change keys
    expect((await send("POST", "/v1/ssh-keys", { name: uniqueName("v") }, viewer)).status).toBe(403);
    const operator = await api.tokenFor("operator");
    expect((await send("POST", `/v1/ssh-keys/${prefix}-b/rotate`, {}, operator)).status).toBe(403);
  });

  it("rotates to a given or generated key (version + 1) and patches the description only", async () => {
    const name = uniqueName("rotated");
    const created = (await send("POST", "/v1/ssh-keys", { name })).body;
    const rsa = sshKeygen({ type: "rsa", bits: 2048 });
    secrets.push(rsa);
    const rotated = await send("POST", `/v1/ssh-keys/${name}/rotate`, { privateKey: rsa.privateKey });
    expect(rotated.status).toBe(200);
    expect(rotated.body).toMatchObject({
      id: created.id,
      name,
      algorithm: "ssh-rsa",
      fingerprint: rsa.fingerprint,
      version: 2,
    });
    expect(rotated.body.rotatedAt).toEqual(expect.any(String));
    const again = await send("POST", `/v1/ssh-keys/${created.id}/rotate`, {});
    expect(again.body).toMatchObject({ algorithm: "ssh-ed25519", version: 3 });
    expect(again.body.fingerprint).not.toBe(rsa.fingerprint);
    const [audit] = await api.database.db
      .select()
      .from(auditLogs)
      .where(eq(auditLogs.action, "ssh_key.rotate"))
      .orderBy(auditLogs.at)
      .limit(1);
    expect(audit!.changes).toMatchObject({
      name,
      fingerprint: { from: created.fingerprint, to: rsa.fingerprint },
      version: 2,
    });

    const patched = await send("PATCH", `/v1/ssh-keys/${name}`, { description: "rack 4" });
    expect(patched.status).toBe(200);
    expect(patched.body).toMatchObject({
      description: "rack 4",
      version: 3,
      fingerprint: again.body.fingerprint,
    });
    expect((await send("PATCH", `/v1/ssh-keys/${name}`, { description: "x", version: 9 })).status).toBe(400);
    expect((await send("POST", "/v1/ssh-keys/nope/rotate", {})).status).toBe(404);
  });

  it("refuses to delete a key a machine that is not archived uses, then deletes it", async () => {
    const name = uniqueName("in-use");
    expect((await send("POST", "/v1/ssh-keys", { name })).status).toBe(201);
    const machine = await seedMachine(api.database.db, { sshKeyRef: name });
    const refused = await send("DELETE", `/v1/ssh-keys/${name}`);
    expect(refused.status).toBe(409);
    expect(refused.body.error).toMatchObject({ code: "conflict", details: { sshKey: name, machines: 1 } });
    // archiving goes through the machines API, as an operator would
    expect((await send("POST", `/v1/machines/${machine.id}/archive`, {})).status).toBe(200);
    expect((await send("DELETE", `/v1/ssh-keys/${name}`)).status).toBe(204);
    expect((await send("GET", `/v1/ssh-keys/${name}`)).status).toBe(404);
    expect((await send("DELETE", `/v1/ssh-keys/${name}`)).status).toBe(404);
    const deleted = await api.database.db
      .select()
      .from(auditLogs)
      .where(eq(auditLogs.action, "ssh_key.delete"));
    expect(deleted.map((r) => r.changes)).toContainEqual(expect.objectContaining({ name }));
  });

  it("answers bad input with a 400 envelope, never a 500, without echoing the key", async () => {
    const ed = sshKeygen({ type: "ed25519" });
    const withPass = sshKeygen({ type: "ed25519", passphrase: "pw" });
    const pem = sshKeygen({ type: "rsa", bits: 2048, format: "PEM" });
    secrets.push(ed, withPass, pem);
    const lines = ed.privateKey.trim().split("\n");
    const cases: [string, Record<string, unknown>, RegExp][] = [
      ["bad name", { name: "bad name!" }, /name/],
      ["dot first", { name: ".hidden" }, /name/],
      ["uuid name", { name: crypto.randomUUID() }, /UUID/],
      ["too long name", { name: "x".repeat(64) }, /name/],
      ["PEM key", { name: uniqueName("pem"), privateKey: pem.privateKey }, /ssh-keygen -p -f <file>/],
      ["public key", { name: uniqueName("pub"), privateKey: ed.publicKey }, /public key/],
      ["truncated", { name: uniqueName("cut"), privateKey: lines.slice(0, -1).join("\n") }, /truncated/],
      [
        "cut body",
        { name: uniqueName("cut"), privateKey: [lines[0], lines[1], lines[2], lines.at(-1)].join("\n") },
        /truncated/,
      ],
      [
        "garbage base64",
        { name: uniqueName("junk"), privateKey: [lines[0], "%%%%", lines.at(-1)].join("\n") },
        /base64/,
      ],
      ["missing passphrase", { name: uniqueName("pw"), privateKey: withPass.privateKey }, /passphrase/],
      [
        "needless passphrase",
        { name: uniqueName("pw"), privateKey: ed.privateKey, passphrase: "x" },
        /not passphrase-protected/,
      ],
      ["passphrase alone", { name: uniqueName("pw"), passphrase: "x" }, /passphrase/],
      [
        "unknown field",
        { name: uniqueName("extra"), publicKey: "ssh-ed25519 AAAA" },
        /publicKey|unrecognized/i,
      ],
      ["key not a string", { name: uniqueName("num"), privateKey: 42 }, /privateKey/],
    ];
    for (const [label, body, message] of cases) {
      const res = await send("POST", "/v1/ssh-keys", body);
      expect({ label, status: res.status }).toEqual({ label, status: 400 });
      expect(res.body.error.code, label).toBe("validation_failed");
      expect(JSON.stringify(res.body.error), label).toMatch(message);
    }
    const broken = await api.call("POST", "/v1/ssh-keys", {
      token: api.admin,
      text: "{not json",
      contentType: "application/json",
    });
    expect(broken.status).toBe(400);
    const name = uniqueName("kept");
    expect((await send("POST", "/v1/ssh-keys", { name })).status).toBe(201);
    const rotateBad = await send("POST", `/v1/ssh-keys/${name}/rotate`, { privateKey: pem.privateKey });
    expect(rotateBad.status).toBe(400);
    expect((await send("GET", `/v1/ssh-keys/${name}`)).body.version).toBe(1);
  });

  it("answers 503 naming KSP_ENCRYPTION_KEYS without a keyring when storing, and lists without opening secrets", async () => {
    // listing shows plain columns only, so it works (and never opens a secret) without the keyring
    const listed = await api.plain("GET", "/v1/ssh-keys", { token: api.admin });
    expect(listed.status).toBe(200);
    const stored = uniqueName("sealed");
    expect((await send("POST", "/v1/ssh-keys", { name: stored })).status).toBe(201);
    for (const [method, path, body] of [
      ["POST", "/v1/ssh-keys", { name: uniqueName("plain") }],
      ["POST", `/v1/ssh-keys/${stored}/rotate`, {}],
    ] as const) {
      const res = await api.plain(method, path, { token: api.admin, body });
      const answer = await res.json();
      expect(res.status).toBe(503);
      expect(answer.error).toMatchObject({
        code: "dependency_unavailable",
        details: { setting: "KSP_ENCRYPTION_KEYS" },
      });
      expect(answer.error.message).toContain("KSP_ENCRYPTION_KEYS");
    }
  });

  it("never shows a stored private key in a response, a log line or the database in plain text", async () => {
    expect(secrets.length).toBeGreaterThan(3);
    const responses = seen.join("\n");
    const logs = JSON.stringify(api.logger.lines);
    const dump = await api.dump();
    expect(dump).toContain("ssh_keys");
    expect(api.logger.lines.length).toBeGreaterThan(0);
    for (const { privateKey, publicKey } of secrets) {
      const lines = keyLines(privateKey, publicKey);
      expect(lines.length).toBeGreaterThan(0);
      for (const text of [responses, logs, dump]) {
        expect(text).not.toContain(keyBody(privateKey));
        for (const line of lines) expect(text).not.toContain(line);
      }
    }
    expect(dump).not.toContain("open sesame");
    expect(logs).not.toContain("open sesame");
  });
});
