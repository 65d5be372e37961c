/**
 * The agent's SSH keys as the lifecycle wires them (agent/composition/ssh-keys.ts),
 * against the fake control plane and the real state store: a mounted file
 * wins, else the stored key is fetched, cached per machine and version in
 * memory, forgotten when the machine leaves, reused while the control plane
 * is away; a missing key names both places looked at; no key in any log line.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, afterEach, describe, expect, it, vi } from "vitest";
import { createMachineKeys, type MachineKeys } from "../../../../agent/composition/ssh-keys.ts";
import { ControlPlaneError } from "../../../../agent/control-plane/errors.ts";
import { createStateStore, type StateStore } from "../../../../agent/state/store.ts";
import type { AgentMachine } from "../../../../proto/agent-api.ts";
import { createLogger } from "../../../../shared/logger.ts";
import { FakeControlPlane } from "../../../support/agent/fake-control-plane.ts";
import { fixtureMachine, fixturePool } from "../../../support/agent/fixtures.ts";

const root = mkdtempSync(path.join(tmpdir(), "ksp-stored-keys-"));
const dir = path.join(root, "keys");
mkdirSync(dir);
writeFileSync(path.join(dir, "mounted"), "MOUNTED-KEY-TEXT");
afterAll(() => rmSync(root, { recursive: true, force: true }));

const STORED = "-----BEGIN OPENSSH PRIVATE KEY-----\nSTORED-KEY-BODY-1\n-----END OPENSSH PRIVATE KEY-----\n";
const ROTATED = "-----BEGIN OPENSSH PRIVATE KEY-----\nSTORED-KEY-BODY-2\n-----END OPENSSH PRIVATE KEY-----\n";
const PASSPHRASE = "stored-passphrase-xyzzy";
const SECRETS = ["STORED-KEY-BODY", PASSPHRASE, "MOUNTED-KEY-TEXT"];

interface World {
  fake: FakeControlPlane;
  store: StateStore;
  keys: MachineKeys;
  lines: string[];
  machine: AgentMachine;
  /** the fake's state, as a poll would bring it into the agent's store */
  poll(): void;
}

const opened: MachineKeys[] = [];
afterEach(() => {
  for (const keys of opened.splice(0)) keys.stop();
});

function world(
  opts: { keyRef?: string | null; status?: AgentMachine["status"]; sshKeyDir?: string | null } = {},
): World {
  const pool = fixturePool();
  const machine = fixtureMachine({
    poolId: pool.id,
    status: opts.status ?? "reserved",
    ssh: { user: "root", port: 22, keyRef: opts.keyRef === undefined ? null : opts.keyRef },
  });
  const fake = new FakeControlPlane({ pools: [pool], machines: [machine] });
  const store = createStateStore();
  const lines: string[] = [];
  const logger = createLogger({ level: "debug", sink: (line) => lines.push(line) });
  const keys = createMachineKeys({
    sshKeyDir: opts.sshKeyDir === undefined ? dir : opts.sshKeyDir,
    controlPlane: fake,
    store,
    logger,
  });
  opened.push(keys);
  const poll = () => store.replace(fake.snapshot(), fake.etag(), store.mutationMark());
  poll();
  return { fake, store, keys, lines, machine, poll };
}

/** The machine as the agent currently sees it. */
const seen = (w: World) => w.store.view().machinesById.get(w.machine.id)!;

/** An operator (or the agent) moves the machine; the next poll shows it. */
function move(w: World, status: AgentMachine["status"]) {
  w.fake.change((f) => {
    const m = f.machine(w.machine.id);
    m.status = status;
    m.version++;
  });
  w.poll();
}

const messageOf = async (p: Promise<unknown>) => {
  const err = await p.then(
    () => null,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(Error);
  return err as Error & { errorClass?: string; retryable?: boolean };
};

describe("SSH keys: mounted files, then stored keys", () => {
  it("a file in --ssh-key-dir wins; the control plane is not asked", async () => {
    const w = world({ keyRef: "mounted" });
    w.fake.storeSshKey("mounted", { privateKey: STORED });
    expect(await w.keys.keys.load(seen(w))).toEqual({ key: "MOUNTED-KEY-TEXT" });
    expect(w.fake.count("fetchSshKey")).toBe(0);
    expect(w.keys.stored.cachedMachineIds()).toEqual([]);
  });

  it("without a file, the stored key the keyRef names (null: default) is used, with its passphrase", async () => {
    const w = world({ keyRef: null });
    w.fake.storeSshKey("default", { privateKey: STORED, passphrase: PASSPHRASE });
    expect(await w.keys.keys.load(seen(w))).toEqual({ key: STORED, passphrase: PASSPHRASE });
    expect(w.fake.sshKeyReleases).toEqual([
      expect.objectContaining({ machineId: w.machine.id, keyRef: "default", version: 1 }),
    ]);

    // also when the agent runs without --ssh-key-dir at all
    const bare = world({ keyRef: "team", sshKeyDir: null });
    bare.fake.storeSshKey("team", { privateKey: ROTATED });
    expect(await bare.keys.keys.load(seen(bare))).toEqual({ key: ROTATED });
  });

  it("caches per machine and version: one release for many loads, a new version fetches (a rotation)", async () => {
    const w = world({ keyRef: "team" });
    w.fake.storeSshKey("team", { privateKey: STORED });
    const loads = await Promise.all([1, 2, 3].map(() => w.keys.keys.load(seen(w))));
    expect(loads.every((k) => k.key === STORED)).toBe(true);
    expect(await w.keys.keys.load(seen(w))).toEqual({ key: STORED });
    expect(w.fake.count("fetchSshKey")).toBe(1);
    expect(w.keys.stored.cachedMachineIds()).toEqual([w.machine.id]);

    w.fake.storeSshKey("team", { privateKey: ROTATED });
    // same machine version: still the key in memory
    expect(await w.keys.keys.load(seen(w))).toEqual({ key: STORED });
    move(w, "joining");
    expect(await w.keys.keys.load(seen(w))).toEqual({ key: ROTATED });
    expect(w.fake.count("fetchSshKey")).toBe(2);
    expect(w.fake.sshKeyReleases.map((r) => r.version)).toEqual([1, 2]);
  });

  it("forgets a machine's key when it leaves the cluster: back to available, or gone from the state", async () => {
    const w = world({ keyRef: "team", status: "leaving" });
    w.fake.storeSshKey("team", { privateKey: STORED });
    await w.keys.keys.load(seen(w));
    move(w, "available");
    expect(w.keys.stored.cachedMachineIds()).toEqual([]);
    expect(w.lines.some((l) => l.includes("stored SSH key forgotten") && l.includes(w.machine.id))).toBe(
      true,
    );

    const gone = world({ keyRef: "team", status: "ready" });
    gone.fake.storeSshKey("team", { privateKey: STORED });
    await gone.keys.keys.load(seen(gone));
    expect(gone.keys.stored.cachedMachineIds()).toEqual([gone.machine.id]);
    gone.fake.change((f) => {
      f.machines = [];
    });
    gone.poll();
    expect(gone.keys.stored.cachedMachineIds()).toEqual([]);
  });

  it("a machine still ours but not in use (fault after a failed join) is served from memory, never asked for", async () => {
    const w = world({ keyRef: "team", status: "joining" });
    w.fake.storeSshKey("team", { privateKey: STORED });
    await w.keys.keys.load(seen(w));
    move(w, "fault");
    expect(w.keys.stored.cachedMachineIds()).toEqual([w.machine.id]);
    // the cleanup's reset after the failed join
    expect(await w.keys.keys.load(seen(w))).toEqual({ key: STORED });
    expect(w.fake.count("fetchSshKey")).toBe(1);
    move(w, "available");
    expect(w.keys.stored.cachedMachineIds()).toEqual([]);

    // without a key in memory there is nothing to use, and the control plane is not asked
    const cold = world({ keyRef: "team", status: "fault" });
    cold.fake.storeSshKey("team", { privateKey: STORED });
    const err = await messageOf(cold.keys.keys.load(seen(cold)));
    expect(err.message).toMatch(/\(this one is fault\)$/);
    expect(cold.fake.count("fetchSshKey")).toBe(0);
  });

  it("a fetch still running when its machine leaves is used by its caller but not kept", async () => {
    const w = world({ keyRef: "team" });
    w.fake.storeSshKey("team", { privateKey: STORED });
    w.fake.latencyMs = 50;
    const loading = w.keys.keys.load(seen(w));
    await vi.waitUntil(() => w.fake.count("fetchSshKey") === 1);
    move(w, "available");
    expect(await loading).toEqual({ key: STORED });
    expect(w.keys.stored.cachedMachineIds()).toEqual([]);
  });

  it("neither a file nor a stored key: the refusal names both places (404 from the control plane)", async () => {
    const w = world({ keyRef: "nowhere" });
    const err = await messageOf(w.keys.keys.load(seen(w)));
    expect(err).toMatchObject({ errorClass: "auth", retryable: false });
    expect(err.message).toBe(
      `no SSH key "nowhere" for machine ${w.machine.id}: no file "nowhere" in --ssh-key-dir ${dir}; ` +
        `no stored key "nowhere" for this machine in the control plane`,
    );
    expect(w.fake.count("fetchSshKey")).toBe(1);
  });

  it("a machine not allocated to this cluster is not asked for: stored keys are released only while in use", async () => {
    const w = world({ keyRef: null, status: "available", sshKeyDir: null });
    w.fake.storeSshKey("default", { privateKey: STORED });
    const err = await messageOf(w.keys.keys.load(seen(w)));
    expect(err.message).toMatch(
      /without --ssh-key-dir; the control plane releases stored keys only while a machine is reserved, joining, ready, draining, leaving here \(this one is available\)$/,
    );
    expect(w.fake.count("fetchSshKey")).toBe(0);
  });

  it("control plane away: the key in memory is used; with none, a retryable error", async () => {
    const w = world({ keyRef: "team" });
    w.fake.storeSshKey("team", { privateKey: STORED });
    await w.keys.keys.load(seen(w));
    move(w, "joining");
    w.fake.setOutage(true);
    expect(await w.keys.keys.load(seen(w))).toEqual({ key: STORED });
    expect(w.lines.some((l) => l.includes("using the stored SSH key in memory"))).toBe(true);

    const cold = world({ keyRef: "team" });
    cold.fake.storeSshKey("team", { privateKey: STORED });
    cold.fake.setOutage(true);
    const err = await messageOf(cold.keys.keys.load(seen(cold)));
    expect(err).toMatchObject({ errorClass: "auth", retryable: true });
    expect(err.message).toMatch(/cannot fetch the stored SSH key "team" from the control plane/);
  });

  it("a refusal other than not-found (the credential) fails without retry and without a key", async () => {
    const w = world({ keyRef: "team" });
    w.fake.storeSshKey("team", { privateKey: STORED });
    w.fake.failNext(
      "fetchSshKey",
      new ControlPlaneError({ kind: "http", status: 401, code: "unauthorized", message: "401 unauthorized" }),
    );
    const err = await messageOf(w.keys.keys.load(seen(w)));
    expect(err).toMatchObject({ errorClass: "auth", retryable: false });
    expect(err.message).toMatch(/refused the stored SSH key "team"/);
  });

  it("never writes a key or passphrase to a log line or an error message", async () => {
    const w = world({ keyRef: "team" });
    w.fake.storeSshKey("team", { privateKey: STORED, passphrase: PASSPHRASE });
    const messages: string[] = [];
    await w.keys.keys.load(seen(w));
    move(w, "joining");
    w.fake.setOutage(true);
    await w.keys.keys.load(seen(w));
    w.fake.setOutage(false);
    const other = world({ keyRef: "mounted" });
    await other.keys.keys.load(seen(other));
    for (const ref of ["nowhere", "team"]) {
      const miss = world({ keyRef: ref });
      miss.fake.setOutage(ref === "team");
      messages.push((await messageOf(miss.keys.keys.load(seen(miss)))).message);
      w.lines.push(...miss.lines);
    }
    move(w, "available");
    const logged = [...w.lines, ...other.lines];
    expect(logged.some((l) => l.includes("stored SSH key fetched"))).toBe(true);
    expect(logged.some((l) => l.includes("stored SSH key forgotten"))).toBe(true);
    for (const text of [...logged, ...messages]) {
      for (const secret of SECRETS) expect(text).not.toContain(secret);
    }
  });
});
