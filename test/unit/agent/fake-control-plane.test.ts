/** The test double follows the control plane's rules the agent relies on. */
import { describe, expect, it } from "vitest";
import { ControlPlaneError } from "../../../agent/control-plane/errors.ts";
import { FakeControlPlane } from "../../support/agent/fake-control-plane.ts";
import { fixtureMachines, fixturePool } from "../../support/agent/fixtures.ts";

describe("FakeControlPlane", () => {
  it("answers 304 for the current ETag and a full state after any change", async () => {
    const fake = new FakeControlPlane({ pools: [fixturePool()] });
    const first = await fake.state(null);
    if (first.notModified) throw new Error("expected a full state");
    expect(first.etag).toBe(fake.etag());
    expect(await fake.state(first.etag)).toEqual({ notModified: true });
    fake.change((f) => {
      f.pools[0]!.maxSize = 3;
    });
    const after = await fake.state(first.etag);
    expect(after.notModified).toBe(false);
  });

  it("reserves idempotently by request id and refuses with counts", async () => {
    const pool = fixturePool({ maxSize: 3 });
    const fake = new FakeControlPlane({ pools: [pool], machines: fixtureMachines(2) });
    const first = await fake.allocate({ poolId: pool.id, delta: 2, requestId: "r1" });
    expect(first.machines.map((m) => m.status)).toEqual(["reserved", "reserved"]);
    const replay = await fake.allocate({ poolId: pool.id, delta: 2, requestId: "r1" });
    expect(replay.created).toBe(false);
    expect(replay.machines.map((m) => m.id)).toEqual(first.machines.map((m) => m.id));
    await expect(fake.allocate({ poolId: pool.id, delta: 1, requestId: "r2" })).rejects.toMatchObject({
      code: "not_enough_machines",
      details: { requested: 1, available: 0 },
    });
    await expect(fake.allocate({ poolId: pool.id, delta: 2, requestId: "r3" })).rejects.toMatchObject({
      code: "pool_at_max",
      details: { current: 2, max: 3, requested: 2 },
    });
  });

  it("guards transitions by status and version and reports stale ones with the actual state", async () => {
    const pool = fixturePool();
    const [m] = fixtureMachines(1, { poolId: pool.id, status: "ready", version: 4 });
    const fake = new FakeControlPlane({ pools: [pool], machines: [m!] });
    const stale = await fake.transitions([
      { machineId: m!.id, from: "ready", to: "draining", expectedVersion: 3 },
    ]);
    expect(stale.results[0]).toMatchObject({
      ok: false,
      error: { code: "stale_version", details: { actualStatus: "ready", actualVersion: 4 } },
    });
    const ok = await fake.transitions([
      { machineId: m!.id, from: "ready", to: "draining", expectedVersion: 4 },
    ]);
    expect(ok.results[0]).toMatchObject({ ok: true, machine: { status: "draining", version: 5 } });
  });

  it("keeps the reporter's node name and error, as the control plane's transition patch does", async () => {
    const pool = fixturePool();
    const [m] = fixtureMachines(1, { poolId: pool.id, status: "joining", version: 2 });
    const fake = new FakeControlPlane({ pools: [pool], machines: [m!] });
    await fake.transitions([
      { machineId: m!.id, from: "joining", to: "fault", expectedVersion: 2, lastError: "kubeadm exited 1" },
    ]);
    expect(fake.machine(m!.id)).toMatchObject({ status: "fault", lastError: "kubeadm exited 1" });
  });

  it("pins a host key only where none is: a replay is unchanged, another key a conflict", async () => {
    const pool = fixturePool();
    const [m, other] = fixtureMachines(2, { poolId: pool.id, status: "reserved" });
    const fake = new FakeControlPlane({ pools: [pool], machines: [m!, other!] });
    const key = "SHA256:uNiVztksCsDhcc0u9e8BujQXVUpKZIDTMczCvj3tD2s";
    const before = fake.stateVersion;
    const first = await fake.pinHostKeys([{ machineId: m!.id, fingerprint: key }]);
    expect(first.results[0]).toEqual({ machineId: m!.id, ok: true, pinned: true, fingerprint: key });
    expect(fake.stateVersion).toBe(before + 1);
    const replay = await fake.pinHostKeys([{ machineId: m!.id, fingerprint: key }]);
    expect(replay.summary).toEqual({ pinned: 0, unchanged: 1, failed: 0 });
    const clash = await fake.pinHostKeys([
      { machineId: m!.id, fingerprint: "SHA256:47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU" },
    ]);
    expect(clash.results[0]).toMatchObject({
      ok: false,
      error: { code: "conflict", details: { pinned: key } },
    });
    expect(fake.machine(m!.id).hostKeyFingerprint).toBe(key);
  });

  it("keeps snapshots of the cluster's pools and refuses one naming another pool, keeping nothing", async () => {
    const pool = fixturePool();
    const fake = new FakeControlPlane({ pools: [pool] });
    const figures = {
      nodeCount: 1,
      capacity: { cpuMillis: 4000, memoryBytes: 8e9 },
      allocatable: { cpuMillis: 3900, memoryBytes: 7e9 },
      requested: { cpuMillis: 100, memoryBytes: 1e8 },
      usage: { cpuMillis: 0, memoryBytes: 0 },
    };
    const capturedAt = "2026-03-01T12:00:00.000Z";
    await expect(
      fake.snapshots({ capturedAt, pools: [{ poolId: pool.id, ...figures }], cluster: figures }),
    ).resolves.toEqual({ capturedAt, recorded: 2 });
    await expect(
      fake.snapshots({ pools: [{ poolId: "00000000-0000-4000-8000-000000000000", ...figures }] }),
    ).rejects.toMatchObject({ status: 404, code: "not_found" });
    expect(fake.snapshotsReceived).toHaveLength(1);
    expect(fake.count("snapshots")).toBe(2);
  });

  it("fails on demand: an outage, a one-off failure, a held state answer", async () => {
    const fake = new FakeControlPlane();
    fake.failNext("heartbeat");
    const beat = {
      agentVersion: "1",
      kubernetesVersion: "v1.31.0",
      nodeCounts: { total: 0, ready: 0 },
      leader: { identity: "a", since: new Date().toISOString() },
    };
    await expect(fake.heartbeat(beat)).rejects.toBeInstanceOf(ControlPlaneError);
    await expect(fake.heartbeat(beat)).resolves.toMatchObject({ stateVersion: 1 });
    fake.setOutage(true);
    await expect(fake.state(null)).rejects.toMatchObject({ kind: "unreachable" });
    fake.setOutage(false);

    const release = fake.holdStateAnswers();
    const held = fake.state(null);
    fake.change((f) => {
      f.stateVersion += 10;
    });
    release();
    const answer = await held;
    expect(answer.notModified === false && answer.state.stateVersion).toBe(1);
    expect(fake.count("state")).toBe(2);
  });
});
