/**
 * Stored SSH keys end to end: an operator stores keys in the control plane
 * (one generated there, one passphrase-protected from ssh-keygen) and puts
 * their public halves on real sshd hosts; the agent's real HTTP client, its
 * key store (as the lifecycle wires it, with an empty --ssh-key-dir) and its
 * machine work open SSH sessions with the released keys. The control plane
 * answers "not stored" for another cluster's machine and a free one; once
 * the machine is given back, the agent forgets the key and cannot get it
 * again; a machine gone to fault is still reached with the key in memory
 * until it leaves. No key reaches a log line of either side, or the key
 * directory.
 */
// First: the control plane's routes need zod extended with .openapi() before
// proto/agent-api.ts builds its schemas, and the agent modules below load it too.
import "@hono/zod-openapi";

import { execFile } from "node:child_process";
import { appendFile, mkdtemp, readdir, readFile, rm } from "node:fs/promises";
import type { Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { serve } from "@hono/node-server";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createMachineKeys, type MachineKeys } from "../../../agent/composition/ssh-keys.ts";
import { createHttpControlPlane } from "../../../agent/control-plane/http-control-plane.ts";
import type { ControlPlane } from "../../../agent/control-plane/types.ts";
import { createLimiter } from "../../../agent/execution/limiter.ts";
import { createSshMachineWork } from "../../../agent/execution/ssh-machine-work.ts";
import type { MachineWork } from "../../../agent/execution/types.ts";
import type { SshConnector } from "../../../agent/ssh/types.ts";
import { createStateStore, type StateStore } from "../../../agent/state/store.ts";
import {
  generateEncryptionKeyEntry,
  parseEncryptionKeys,
} from "../../../functions/lib/crypto/encryption-keys.ts";
import { Keyring } from "../../../functions/lib/crypto/keyring.ts";
import {
  bumpStateVersions,
  publishStateVersions,
} from "../../../functions/services/clusters/state-version.ts";
import { startTestApi, type TestApi } from "../../support/api.ts";
import { seedCluster, seedMachine, seedPool, testContext } from "../../support/fixtures.ts";
import { capturingLogger, connector } from "../../support/harness/ssh.ts";
import { requirePostgres } from "../../support/postgres.ts";
import { requireService } from "../../support/services.ts";
import { type SshHosts, sshdUsable, startSshHosts, type TestHost } from "../../support/ssh-hosts/index.ts";

const run = promisify(execFile);
const pgOk = await requirePostgres();
const sshOk = await requireService("sshd", sshdUsable, "/usr/sbin/sshd as root");

function keyring(): Keyring {
  const parsed = parseEncryptionKeys(generateEncryptionKeyEntry("it"));
  if (!parsed.ok) throw new Error(parsed.problems.join("; "));
  return new Keyring(parsed.keys);
}

/** The body lines of an OpenSSH private key: what must never be seen outside the agent's memory. */
const keyBody = (privateKey: string) =>
  privateKey
    .split("\n")
    .filter((l) => l.length > 0 && !l.startsWith("-----"))
    .map((l) => l.slice(0, 40));

describe.skipIf(!pgOk || !sshOk)("stored SSH keys: agent ↔ control plane ↔ sshd", () => {
  let api: TestApi;
  let server: Server;
  let baseUrl: string;
  let hosts: SshHosts;
  let scratch: string;
  let keyDir: string;
  /** every connector made, closed at the end */
  const connectors: SshConnector[] = [];
  let cp: ControlPlane;
  let store: StateStore;
  let keys: MachineKeys;
  const agentLog = capturingLogger();
  const secrets: string[] = [];
  const ids = { generated: "", protected: "", otherCluster: "", free: "" };
  const names = { generated: "", protected: "" };

  /**
   * The lifecycle's machine work over a new connector, so a probe logs in
   * afresh (a pooled connection would not need the key again).
   */
  function freshWork(): MachineWork {
    const ssh = connector({ policy: "require-known", logger: agentLog.logger });
    connectors.push(ssh);
    return createSshMachineWork({
      connector: ssh,
      keys: keys.keys,
      hostKeys: { pin: async (_id, fp) => fp },
      limiter: createLimiter(2),
      metrics: { sshError: () => {} },
      logger: agentLog.logger,
      clock: { now: () => new Date() },
    });
  }
  /** Successful logins sshd recorded so far. */
  async function logins(host: TestHost): Promise<number> {
    const log = await readFile(path.join(host.root, "sshd.log"), "utf8");
    return log.split("\n").filter((l) => l.startsWith("Accepted publickey")).length;
  }

  /** What the agent's sync loop does: the state, into the store (which forgets keys of machines gone). */
  async function poll(): Promise<void> {
    const mark = store.mutationMark();
    const answer = await cp.state(store.etag());
    if (!answer.notModified) store.replace(answer.state, answer.etag, mark);
  }
  const seen = (id: string) => {
    const machine = store.view().machinesById.get(id);
    if (!machine) throw new Error(`machine ${id} is not in the agent's view`);
    return machine;
  };

  async function storeKey(body: Record<string, unknown>): Promise<{ name: string; publicKey: string }> {
    const created = await api.json("POST", "/v1/ssh-keys", { token: api.admin, body });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    expect(JSON.stringify(created.body)).not.toContain("PRIVATE KEY");
    return created.body;
  }
  const authorize = (host: TestHost, publicKey: string) =>
    appendFile(path.join(host.root, "ssh", "authorized_keys"), `${publicKey.trim()}\n`);

  beforeAll(async () => {
    api = await startTestApi({ encryption: keyring() });
    server = await new Promise<Server>((resolve) => {
      const s = serve({ fetch: api.app.fetch, port: 0, hostname: "127.0.0.1" }, () => resolve(s as Server));
    });
    baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    hosts = await startSshHosts({ count: 2, namePrefix: "stored" });
    scratch = await mkdtemp(path.join(tmpdir(), "ksp-stored-ssh-"));
    keyDir = path.join(scratch, "mounted");
    await run("mkdir", [keyDir]);

    // an operator: a key generated by the store, and a passphrase-protected one of their own
    const suffix = Math.random().toString(36).slice(2, 8);
    const generated = await storeKey({ name: `gen-${suffix}` });
    names.generated = generated.name;
    await authorize(hosts.hosts[0]!, generated.publicKey);
    const file = path.join(scratch, "own");
    const passphrase = `pp-${suffix}-correct-horse`;
    await run("ssh-keygen", ["-q", "-t", "ed25519", "-N", passphrase, "-C", "ksp-it", "-f", file]);
    const ownKey = await readFile(file, "utf8");
    await rm(file);
    const own = await storeKey({ name: `own-${suffix}`, privateKey: ownKey, passphrase });
    names.protected = own.name;
    await authorize(hosts.hosts[1]!, own.publicKey);
    secrets.push(...keyBody(ownKey), passphrase);

    // the cluster holds a machine on each host; another cluster and the free inventory hold one each
    const { db } = api.database;
    const cluster = await seedCluster(db);
    const credential = await api.agentCredentialFor(cluster.id);
    const pool = await seedPool(db, cluster.id);
    const onHost = (host: TestHost, sshKeyRef: string) => ({
      ip: host.address,
      sshPort: host.port,
      sshUser: host.username,
      sshKeyRef,
      hostKeyFingerprint: host.hostKeyFingerprint,
    });
    const held = async (host: TestHost, sshKeyRef: string) => {
      const m = await seedMachine(db, {
        clusterId: cluster.id,
        poolId: pool.id,
        status: "reserved",
        ...onHost(host, sshKeyRef),
      });
      return m.id;
    };
    ids.generated = await held(hosts.hosts[0]!, names.generated);
    ids.protected = await held(hosts.hosts[1]!, names.protected);
    const other = await seedCluster(db);
    const otherPool = await seedPool(db, other.id);
    ids.otherCluster = (
      await seedMachine(db, {
        clusterId: other.id,
        poolId: otherPool.id,
        status: "reserved",
        sshKeyRef: names.generated,
      })
    ).id;
    ids.free = (await seedMachine(db, { sshKeyRef: names.generated })).id;
    const versions = await bumpStateVersions(db, [cluster.id, other.id]);
    await publishStateVersions(testContext(db, { coordination: api.deps.coordination }), versions);

    // the agent, as agent/composition/lifecycle.ts wires it
    cp = createHttpControlPlane({ baseUrl, credential: () => credential, timeoutMs: 10_000 });
    store = createStateStore();
    keys = createMachineKeys({ sshKeyDir: keyDir, controlPlane: cp, store, logger: agentLog.logger });
    await poll();
  });

  afterAll(async () => {
    keys?.stop();
    await Promise.all(connectors.map((c) => c.close()));
    await hosts?.stop();
    await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
    await api?.close();
    if (scratch) await rm(scratch, { recursive: true, force: true });
  });

  it("opens real SSH sessions with stored keys (generated, and passphrase-protected) the agent fetched", async () => {
    const before = await Promise.all(hosts.hosts.map(logins));
    expect(await freshWork().probe(seen(ids.generated), AbortSignal.timeout(20_000))).toEqual({ ok: true });
    expect(await freshWork().probe(seen(ids.protected), AbortSignal.timeout(20_000))).toEqual({ ok: true });
    expect(await Promise.all(hosts.hosts.map(logins))).toEqual(before.map((n) => n + 1));
    expect(keys.stored.cachedMachineIds().sort()).toEqual([ids.generated, ids.protected].sort());
    // the released key is the stored one: its fingerprint is what the store listed
    const released = await cp.fetchSshKey(ids.generated);
    expect(released).toMatchObject({ machineId: ids.generated, keyRef: names.generated, version: 1 });
    secrets.push(...keyBody(released!.privateKey));
    const listed = await api.json("GET", `/v1/ssh-keys/${names.generated}`, { token: api.admin });
    expect(released!.fingerprint).toBe(listed.body.fingerprint);
  });

  it("gets 'not stored' (null) for another cluster's machine and a free one", async () => {
    expect(await cp.fetchSshKey(ids.otherCluster)).toBeNull();
    expect(await cp.fetchSshKey(ids.free)).toBeNull();
  });

  it("forgets the key when the machine is given back, and can no longer fetch it", async () => {
    const machine = seen(ids.generated);
    const answer = await cp.transitions([
      { machineId: machine.id, from: "reserved", to: "available", expectedVersion: machine.version },
    ]);
    expect(answer.summary.applied).toBe(1);
    await poll();
    expect(keys.stored.cachedMachineIds()).toEqual([ids.protected]);
    expect(await cp.fetchSshKey(ids.generated)).toBeNull();
    const outcome = await freshWork().probe(seen(ids.generated), AbortSignal.timeout(20_000));
    expect(outcome).toMatchObject({ ok: false, failure: { step: "ssh.key", errorClass: "auth" } });
    const message = outcome.ok ? "" : outcome.failure.message;
    expect(message).toContain(`no file "${names.generated}" in --ssh-key-dir ${keyDir}`);
    expect(message).toContain(
      "releases stored keys only while a machine is reserved, joining, ready, draining, leaving here (this one is available)",
    );
  });

  it("reaches a machine gone to fault with the key in memory (a failed join's cleanup), the control plane refusing it", async () => {
    const machine = seen(ids.protected);
    const moved = await cp.transitions([
      { machineId: machine.id, from: "reserved", to: "fault", expectedVersion: machine.version },
    ]);
    expect(moved.summary.applied).toBe(1);
    await poll();
    expect(seen(ids.protected).status).toBe("fault");
    expect(await cp.fetchSshKey(ids.protected)).toBeNull();
    const before = await logins(hosts.hosts[1]!);
    expect(await freshWork().probe(seen(ids.protected), AbortSignal.timeout(20_000))).toEqual({ ok: true });
    expect(await logins(hosts.hosts[1]!)).toBe(before + 1);
    const fault = seen(ids.protected);
    await cp.transitions([
      { machineId: fault.id, from: "fault", to: "available", expectedVersion: fault.version },
    ]);
    await poll();
    expect(keys.stored.cachedMachineIds()).toEqual([]);
  });

  it("wrote no key to the key directory or a log line of either side", async () => {
    expect(await readdir(keyDir)).toEqual([]);
    expect(agentLog.lines.some((l) => l.includes("stored SSH key fetched"))).toBe(true);
    expect(agentLog.lines.some((l) => l.includes("stored SSH key forgotten"))).toBe(true);
    const cpLines = (api.deps.logger as unknown as { lines: Record<string, unknown>[] }).lines.map((l) =>
      JSON.stringify(l),
    );
    expect(secrets.length).toBeGreaterThan(4);
    for (const line of [...agentLog.lines, ...cpLines]) {
      for (const secret of secrets) expect(line).not.toContain(secret);
    }
  });
});
