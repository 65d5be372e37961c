/**
 * Agent registration, credential rotation and heartbeat: the registration
 * token works once and only before it expires (one 401 message for every
 * failure), the credential is stored only as a hash, rotation retires the old
 * credential at once, and agent credentials and API tokens stay on their own
 * sides of /v1.
 */
import { eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { auditLogs, clusters, machines } from "../../../../../../drizzle/schema/index.ts";
import { isGeneratedToken, tokenMatchesHash } from "../../../../../../functions/lib/tokens.ts";
import { issueRegistrationToken } from "../../../../../../functions/services/clusters/registration-token.ts";
import { startTestApi, type TestApi } from "../../../../../support/api.ts";
import { seedCluster, seedMachines, seedPool } from "../../../../../support/fixtures.ts";
import { requirePostgres } from "../../../../../support/postgres.ts";

const ok = await requirePostgres();
const HOUR = 3_600_000;
const HEARTBEAT = {
  agentVersion: "0.2.0",
  kubernetesVersion: "v1.32.0",
  nodeCounts: { total: 5, ready: 4 },
  leader: { identity: "agent-0", since: "2026-01-01T00:00:00Z" },
};

describe.skipIf(!ok)("agent registration, credentials and heartbeat", () => {
  let api: TestApi;
  beforeAll(async () => {
    api = await startTestApi();
  });
  afterAll(() => api?.close());

  const row = async (id: string) =>
    (await api.database.db.select().from(clusters).where(eq(clusters.id, id)))[0]!;
  /** A pending cluster with a registration token valid for `ttlMs` (negative: already expired). */
  const pendingCluster = async (ttlMs = HOUR) => {
    const issued = await issueRegistrationToken(new Date(), ttlMs);
    const cluster = await seedCluster(api.database.db, {
      status: "pending",
      registrationTokenHash: issued.registrationTokenHash,
      registrationTokenExpiresAt: issued.registrationTokenExpiresAt,
    });
    return { cluster, token: issued.registrationToken };
  };
  const register = (body: Record<string, unknown>) =>
    api.json("POST", "/v1/agent/register", {
      body: { agentVersion: "0.1.0", kubernetesVersion: "v1.31.2", ...body },
    });

  it("issues a credential once, stores only its hash, activates the cluster and consumes the token", async () => {
    const { cluster, token } = await pendingCluster();
    const first = await register({ registrationToken: token, clusterName: cluster.name });
    expect(first.status).toBe(201);
    expect(first.body).toMatchObject({ clusterId: cluster.id, clusterName: cluster.name });
    expect(isGeneratedToken(first.body.credential, "agent")).toBe(true);

    const stored = await row(cluster.id);
    expect(stored).toMatchObject({
      status: "active",
      agentVersion: "0.1.0",
      kubernetesVersion: "v1.31.2",
      registrationTokenHash: null,
      registrationTokenExpiresAt: null,
    });
    expect(stored.registeredAt).toBeInstanceOf(Date);
    expect(stored.agentCredentialHash).not.toBe(first.body.credential);
    expect(await tokenMatchesHash(first.body.credential, stored.agentCredentialHash!)).toBe(true);

    const again = await register({ registrationToken: token });
    expect(again.status).toBe(401);
    expect(again.body.error.code).toBe("unauthorized");

    const state = await api.call("GET", "/v1/agent/state", { token: first.body.credential });
    expect(state.status).toBe(200);

    const audit = await api.database.db.select().from(auditLogs).where(eq(auditLogs.resourceId, cluster.id));
    expect(audit.map((a) => [a.action, a.result])).toEqual([["agent.register", "success"]]);
    expect(JSON.stringify(audit)).not.toContain(token);
  });

  it("answers unknown, expired, mismatched and deleted-cluster tokens with the same 401", async () => {
    const expired = await pendingCluster(-1_000);
    const mismatched = await pendingCluster();
    const deleted = await pendingCluster();
    await api.database.db
      .update(clusters)
      .set({ deletedAt: new Date() })
      .where(eq(clusters.id, deleted.cluster.id));

    const answers = await Promise.all([
      register({ registrationToken: "ksp_reg_" + "A".repeat(43) }),
      register({ registrationToken: "not-a-token" }),
      register({ registrationToken: expired.token }),
      register({ registrationToken: mismatched.token, clusterName: "some-other-cluster" }),
      register({ registrationToken: deleted.token }),
    ]);
    expect(answers.map((a) => a.status)).toEqual([401, 401, 401, 401, 401]);
    expect(new Set(answers.map((a) => a.body.error.message)).size).toBe(1);
    expect((await row(expired.cluster.id)).status).toBe("pending");

    // a name mismatch leaves the token usable for the right cluster
    const right = await register({
      registrationToken: mismatched.token,
      clusterName: mismatched.cluster.name,
    });
    expect(right.status).toBe(201);
  });

  it("lets exactly one of two racing registrations win", async () => {
    const { token } = await pendingCluster();
    const [a, b] = await Promise.all([
      register({ registrationToken: token }),
      register({ registrationToken: token }),
    ]);
    expect([a.status, b.status].sort()).toEqual([201, 401]);
  });

  it("refuses malformed registration bodies with a 400 envelope", async () => {
    const res = await api.json("POST", "/v1/agent/register", {
      body: { registrationToken: "x", agentVersion: "1", kubernetesVersion: "1", extra: true },
    });
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe("validation_failed");
  });

  it("rotates the credential: the new one works, the old one stops at once", async () => {
    const cluster = await seedCluster(api.database.db);
    const old = await api.agentCredentialFor(cluster.id);
    const rotated = await api.json("POST", "/v1/agent/credential/rotate", { token: old });
    expect(rotated.status).toBe(201);
    expect(rotated.body.clusterId).toBe(cluster.id);
    expect(isGeneratedToken(rotated.body.credential, "agent")).toBe(true);
    expect((await api.call("GET", "/v1/agent/state", { token: old })).status).toBe(401);
    expect((await api.call("GET", "/v1/agent/state", { token: rotated.body.credential })).status).toBe(200);
    expect(
      await tokenMatchesHash(rotated.body.credential, (await row(cluster.id)).agentCredentialHash!),
    ).toBe(true);
  });

  it("records heartbeats: time, versions, node counts, leader, status active, not audited", async () => {
    const cluster = await seedCluster(api.database.db, { status: "offline" });
    const credential = await api.agentCredentialFor(cluster.id);
    await api.database.db.update(clusters).set({ status: "offline" }).where(eq(clusters.id, cluster.id));
    const before = Date.now();
    const res = await api.json("POST", "/v1/agent/heartbeat", { token: credential, body: HEARTBEAT });
    expect(res.status).toBe(200);
    expect(res.body.stateVersion).toBe(cluster.stateVersion);
    const stored = await row(cluster.id);
    expect(stored).toMatchObject({
      status: "active",
      agentVersion: "0.2.0",
      kubernetesVersion: "v1.32.0",
      nodeCountTotal: 5,
      nodeCountReady: 4,
      leaderIdentity: "agent-0",
      leaderSince: new Date("2026-01-01T00:00:00Z"),
    });
    expect(stored.nodeCountsReportedAt).toEqual(stored.lastHeartbeatAt);
    expect(stored.lastHeartbeatAt!.getTime()).toBeGreaterThanOrEqual(before - 5);
    const audit = await api.database.db.select().from(auditLogs).where(eq(auditLogs.clusterId, cluster.id));
    expect(audit.filter((a) => a.action.includes("heartbeat"))).toEqual([]);

    const bad = await api.json("POST", "/v1/agent/heartbeat", {
      token: credential,
      body: { agentVersion: "0.2.0", kubernetesVersion: "v1", nodeCounts: { total: -1, ready: 0 } },
    });
    expect(bad.status).toBe(400);
  });

  it("keeps API tokens off agent routes and agent credentials off the rest of /v1", async () => {
    const cluster = await seedCluster(api.database.db);
    const credential = await api.agentCredentialFor(cluster.id);
    const pool = await seedPool(api.database.db, cluster.id);
    const [machine] = await seedMachines(api.database.db, 1, {
      clusterId: cluster.id,
      poolId: pool.id,
      status: "ready",
    });
    // valid bodies, so the refusal is about who calls, not what is sent
    const calls: [string, string, unknown][] = [
      ["GET", "/v1/agent/state", undefined],
      ["POST", "/v1/agent/credential/rotate", undefined],
      ["POST", "/v1/agent/heartbeat", HEARTBEAT],
      ["POST", "/v1/agent/allocations", { poolId: pool.id, delta: 1, requestId: "r-1" }],
      [
        "POST",
        "/v1/agent/transitions",
        { items: [{ machineId: machine!.id, from: "ready", to: "draining" }] },
      ],
      ["POST", "/v1/agent/snapshots", { pools: [] }],
    ];
    for (const role of ["admin", "operator", "viewer"] as const) {
      const token = role === "admin" ? api.admin : await api.tokenFor(role, cluster.id);
      for (const [method, path, body] of calls) {
        const res = await api.json(method, path, { token, body });
        expect([role, path, res.status, res.body.error.code]).toEqual([role, path, 403, "forbidden"]);
      }
    }
    expect(
      (await api.database.db.select().from(machines).where(eq(machines.id, machine!.id)))[0]?.status,
    ).toBe("ready");
    const clustersList = await api.json("GET", "/v1/clusters", { token: credential });
    expect(clustersList.status).toBe(403);
    const one = await api.json("GET", `/v1/clusters/${cluster.id}`, { token: credential });
    expect(one.status).toBe(403);
    expect((await api.call("GET", "/v1/agent/state")).status).toBe(401);
  });
});
