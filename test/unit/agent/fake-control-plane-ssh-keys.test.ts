/**
 * The fake control plane's stored SSH keys follow the route's rule: a key
 * only for a machine of the cluster in an in-use state whose keyRef (or
 * `default`) names a stored key; one "not stored" answer (null) otherwise.
 */
import { describe, expect, it } from "vitest";
import { FakeControlPlane } from "../../support/agent/fake-control-plane.ts";
import { fixtureMachine, fixturePool } from "../../support/agent/fixtures.ts";

describe("fake control plane: fetchSshKey", () => {
  const pool = fixturePool();
  const ssh = (keyRef: string | null) => ({ user: "root", port: 22, keyRef });

  it("releases the key the keyRef names (null: default) for in-use machines, and records the release", async () => {
    const reserved = fixtureMachine({ poolId: pool.id, status: "reserved", ssh: ssh(null) });
    const leaving = fixtureMachine({ poolId: pool.id, status: "leaving", ssh: ssh("team") });
    const fake = new FakeControlPlane({ pools: [pool], machines: [reserved, leaving] });
    fake.storeSshKey("default", { privateKey: "KEY-D", passphrase: "pw", fingerprint: "SHA256:d" });
    fake.storeSshKey("team", { privateKey: "KEY-T1" });
    fake.storeSshKey("team", { privateKey: "KEY-T2" });
    expect(await fake.fetchSshKey(reserved.id)).toEqual({
      machineId: reserved.id,
      keyRef: "default",
      fingerprint: "SHA256:d",
      version: 1,
      privateKey: "KEY-D",
      passphrase: "pw",
    });
    expect(await fake.fetchSshKey(leaving.id)).toMatchObject({
      keyRef: "team",
      version: 2,
      privateKey: "KEY-T2",
    });
    expect(fake.sshKeyReleases.map((r) => [r.machineId, r.keyRef, r.version])).toEqual([
      [reserved.id, "default", 1],
      [leaving.id, "team", 2],
    ]);
    expect(JSON.stringify(fake.sshKeyReleases)).not.toContain("KEY-");
  });

  it("answers null for a free machine, one not in use, an unknown one, or a name with no stored key", async () => {
    const free = fixtureMachine({ status: "reserved", ssh: ssh(null) });
    const available = fixtureMachine({ poolId: pool.id, status: "available", ssh: ssh(null) });
    const fault = fixtureMachine({ poolId: pool.id, status: "fault", ssh: ssh(null) });
    const unnamed = fixtureMachine({ poolId: pool.id, status: "ready", ssh: ssh("nope") });
    const fake = new FakeControlPlane({ pools: [pool], machines: [free, available, fault, unnamed] });
    fake.storeSshKey("default", { privateKey: "KEY-D" });
    for (const id of [free.id, available.id, fault.id, unnamed.id, "00000000-0000-4000-8000-000000000000"]) {
      expect(await fake.fetchSshKey(id)).toBeNull();
    }
    expect(fake.sshKeyReleases).toEqual([]);
    fake.deleteSshKey("default");
    fake.change((f) => {
      f.machine(available.id).status = "reserved";
    });
    expect(await fake.fetchSshKey(available.id)).toBeNull();
  });

  it("refuses an old credential and fails as unreachable during an outage", async () => {
    const m = fixtureMachine({ poolId: pool.id, status: "ready", ssh: ssh(null) });
    const fake = new FakeControlPlane({ pools: [pool], machines: [m] });
    fake.storeSshKey("default", { privateKey: "KEY-D" });
    const old = fake.rotateCredential();
    fake.rotateCredential();
    await expect(fake.withCredential(() => old).fetchSshKey(m.id)).rejects.toMatchObject({ status: 401 });
    fake.setOutage(true);
    await expect(fake.fetchSshKey(m.id)).rejects.toMatchObject({ kind: "unreachable" });
    expect(fake.sshKeyReleases).toEqual([]);
  });
});
