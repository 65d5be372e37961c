/**
 * What an agent reports or asks for is audited with the agent as actor, in
 * the transaction of each change. A batch (transitions, host keys) whose
 * items commit one by one is one audit row: each applied item writes it with
 * the summary so far, the batch ends with the final summary; an item whose
 * row cannot be written is not applied and fails on its own. Allocations,
 * registration and credential rotation commit with their row or not at all.
 */
import { createHash, randomUUID } from "node:crypto";
import { and, eq, inArray } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  allocations,
  auditLogs,
  type Cluster,
  clusters,
  type Machine,
  machines,
  type NodePool,
  operations,
} from "../../../../../drizzle/schema/index.ts";
import { allocateMachines } from "../../../../../functions/services/agent/allocate-machines.ts";
import { pinHostKeys } from "../../../../../functions/services/agent/pin-host-keys.ts";
import { registerAgent } from "../../../../../functions/services/agent/register-agent.ts";
import { reportTransitions } from "../../../../../functions/services/agent/report-transitions.ts";
import { rotateAgentCredential } from "../../../../../functions/services/agent/rotate-credential.ts";
import { issueRegistrationToken } from "../../../../../functions/services/clusters/registration-token.ts";
import type { ServiceContext } from "../../../../../functions/services/context.ts";
import { refusingAuditWrites } from "../../../../support/audit-refusal.ts";
import { openTestDatabaseOn, type TestDatabaseHandle } from "../../../../support/db-drivers.ts";
import { seedCluster, seedMachines, seedPool, testContext } from "../../../../support/fixtures.ts";
import { requirePostgres } from "../../../../support/postgres.ts";
import { auditRowsOf, appErrorOf as rejection } from "../../../../support/service-rows.ts";

const ok = await requirePostgres();

const fingerprint = () =>
  `SHA256:${createHash("sha256").update(randomUUID()).digest("base64").replace(/=+$/, "")}`;

describe.skipIf(!ok)("agent services audit inside their transaction", () => {
  let handle: TestDatabaseHandle;

  beforeAll(async () => {
    handle = await openTestDatabaseOn("node-postgres");
  });
  afterAll(async () => handle?.teardown());

  const db = () => handle.db;
  const auditRows = (requestId: string) => auditRowsOf(db(), requestId);
  const rowsOf = (ids: string[]) => db().select().from(machines).where(inArray(machines.id, ids));
  const stateVersion = async (id: string) =>
    (await db().select().from(clusters).where(eq(clusters.id, id)))[0]!.stateVersion;

  async function setup(count: number, values: Partial<Machine> = {}) {
    const cluster = await seedCluster(db());
    const pool = await seedPool(db(), cluster.id);
    const own = await seedMachines(db(), count, { clusterId: cluster.id, poolId: pool.id, ...values });
    return { cluster, pool, own };
  }
  const agentContext = (cluster: Cluster, overrides: Partial<ServiceContext> = {}) =>
    testContext(db(), { actor: `agent:${cluster.id}`, ...overrides });

  /** What the audit middleware writes before the handler of an agent route runs. */
  async function withIntent(cluster: Cluster, action: string): Promise<ServiceContext> {
    const intentId = randomUUID();
    const ctx = agentContext(cluster, { audit: { intentId, ip: "198.51.100.4", userAgent: "ksp-agent" } });
    await db().insert(auditLogs).values({
      id: intentId,
      actor: ctx.actor,
      action,
      resourceType: "unknown",
      clusterId: cluster.id,
      result: "pending",
      ip: "198.51.100.4",
      userAgent: "ksp-agent",
      requestId: ctx.requestId,
    });
    return ctx;
  }

  const joining = (m: Machine) => ({ machineId: m.id, from: "reserved" as const, to: "joining" as const });

  it("a transition report is one audit row by the agent: the intent row, completed with the summary", async () => {
    const { cluster, own } = await setup(2, { status: "reserved" });
    const foreign = await setup(1, { status: "reserved" });
    const ctx = await withIntent(cluster, "POST /v1/agent/transitions");
    const res = await reportTransitions({
      ctx,
      input: { clusterId: cluster.id, items: [joining(own[0]!), joining(foreign.own[0]!), joining(own[1]!)] },
    });
    expect(res.summary).toEqual({ applied: 2, failed: 1 });
    expect(await auditRows(ctx.requestId)).toEqual([
      expect.objectContaining({
        id: ctx.audit!.intentId,
        actor: `agent:${cluster.id}`,
        action: "machine.transitions",
        resourceType: "machine",
        clusterId: cluster.id,
        result: "success",
        changes: { items: 3, applied: 2, failed: 1 },
        ip: "198.51.100.4",
        userAgent: "ksp-agent",
      }),
    ]);
  });

  it("without an intent row, the batch writes a row of its own, once", async () => {
    const { cluster, own } = await setup(2, { status: "reserved" });
    const ctx = agentContext(cluster);
    await reportTransitions({ ctx, input: { clusterId: cluster.id, items: own.map(joining) } });
    expect(await auditRows(ctx.requestId)).toEqual([
      expect.objectContaining({
        actor: `agent:${cluster.id}`,
        action: "machine.transitions",
        result: "success",
        changes: { items: 2, applied: 2, failed: 0 },
      }),
    ]);
  });

  it("an item whose audit row cannot be written is not applied: it fails, and nothing of it remains", async () => {
    const { cluster, own } = await setup(2, { status: "reserved" });
    const before = await stateVersion(cluster.id);
    const ctx = await withIntent(cluster, "POST /v1/agent/transitions");
    const res = await refusingAuditWrites(db(), "update", ctx.requestId, () =>
      reportTransitions({ ctx, input: { clusterId: cluster.id, items: own.map(joining) } }),
    );
    expect(res.summary).toEqual({ applied: 0, failed: 2 });
    expect(res.results.map((r) => !r.ok && r.error.code)).toEqual([
      "dependency_unavailable",
      "dependency_unavailable",
    ]);
    expect((await rowsOf(own.map((m) => m.id))).map((m) => m.status)).toEqual(["reserved", "reserved"]);
    expect(await db().select().from(operations).where(eq(operations.requestId, ctx.requestId))).toEqual([]);
    expect(await stateVersion(cluster.id)).toBe(before);
    // the intent row says "attempted, outcome unknown"
    expect(await auditRows(ctx.requestId)).toEqual([expect.objectContaining({ result: "pending" })]);
  });

  it("host key pins are one audit row by the agent, with the summary", async () => {
    const { cluster, own } = await setup(2, { status: "joining" });
    const taken = fingerprint();
    await db().update(machines).set({ hostKeyFingerprint: taken }).where(eq(machines.id, own[1]!.id));
    const ctx = agentContext(cluster);
    const res = await pinHostKeys({
      ctx,
      input: {
        clusterId: cluster.id,
        items: [
          { machineId: own[0]!.id, fingerprint: fingerprint() },
          { machineId: own[1]!.id, fingerprint: fingerprint() },
        ],
      },
    });
    expect(res.summary).toEqual({ pinned: 1, unchanged: 0, failed: 1 });
    expect(await auditRows(ctx.requestId)).toEqual([
      expect.objectContaining({
        actor: `agent:${cluster.id}`,
        action: "machine.host_keys",
        clusterId: cluster.id,
        result: "success",
        changes: { items: 2, pinned: 1, unchanged: 0, failed: 1 },
      }),
    ]);

    const refused = agentContext(cluster);
    const [free] = await seedMachines(db(), 1, { clusterId: cluster.id, status: "joining" });
    const failed = await refusingAuditWrites(db(), "insert", refused.requestId, () =>
      pinHostKeys({
        ctx: refused,
        input: { clusterId: cluster.id, items: [{ machineId: free!.id, fingerprint: fingerprint() }] },
      }),
    );
    expect(failed.results).toEqual([
      expect.objectContaining({
        ok: false,
        error: expect.objectContaining({ code: "dependency_unavailable" }),
      }),
    ]);
    expect((await rowsOf([free!.id]))[0]?.hostKeyFingerprint).toBeNull();
  });

  describe("allocations", () => {
    let cluster: Cluster;
    let pool: NodePool;
    beforeAll(async () => {
      cluster = await seedCluster(db());
      pool = await seedPool(db(), cluster.id);
    });

    it("an allocation commits with its audit row, naming the machines; a replay is on record too", async () => {
      const own = await seedMachines(db(), 1, { clusterId: cluster.id, poolId: pool.id });
      const request = {
        clusterId: cluster.id,
        poolId: pool.id,
        delta: 1,
        requestId: `scale-${randomUUID()}`,
      };
      const ctx = agentContext(cluster);
      const first = await allocateMachines({ ctx, input: request });
      expect(first.machines.map((m) => m.id)).toEqual([own[0]!.id]);
      const expected = {
        actor: `agent:${cluster.id}`,
        action: "pool.allocate",
        resourceType: "pool",
        resourceId: pool.id,
        clusterId: cluster.id,
        result: "success",
        changes: { poolId: pool.id, delta: 1, requestId: request.requestId, machineIds: [own[0]!.id] },
      };
      expect(await auditRows(ctx.requestId)).toEqual([expect.objectContaining(expected)]);

      const retry = agentContext(cluster);
      expect((await allocateMachines({ ctx: retry, input: request })).created).toBe(false);
      expect(await auditRows(retry.requestId)).toEqual([expect.objectContaining(expected)]);
    });

    it("an allocation whose audit row cannot be written reserves nothing and is not remembered", async () => {
      const own = await seedMachines(db(), 1, { clusterId: cluster.id, poolId: pool.id });
      const before = await stateVersion(cluster.id);
      const request = {
        clusterId: cluster.id,
        poolId: pool.id,
        delta: 1,
        requestId: `scale-${randomUUID()}`,
      };
      const ctx = agentContext(cluster);
      const err = await refusingAuditWrites(db(), "insert", ctx.requestId, () =>
        rejection(allocateMachines({ ctx, input: request })),
      );
      expect(err.code).toBe("dependency_unavailable");
      expect((await rowsOf([own[0]!.id]))[0]?.status).toBe("available");
      const remembered = await db()
        .select()
        .from(allocations)
        .where(and(eq(allocations.clusterId, cluster.id), eq(allocations.requestId, request.requestId)));
      expect(remembered).toEqual([]);
      expect(await stateVersion(cluster.id)).toBe(before);
    });
  });

  it("registration and credential rotation commit with their audit row, never a secret in it", async () => {
    const issued = await issueRegistrationToken(new Date(), 60_000);
    const cluster = await seedCluster(db(), {
      status: "pending",
      registrationTokenHash: issued.registrationTokenHash,
      registrationTokenExpiresAt: issued.registrationTokenExpiresAt,
    });
    const body = {
      registrationToken: issued.registrationToken,
      agentVersion: "1.2.3",
      kubernetesVersion: "1.31.0",
    };

    const refused = testContext(db(), { actor: "agent-registration" });
    const err = await refusingAuditWrites(db(), "insert", refused.requestId, () =>
      rejection(registerAgent({ ctx: refused, input: body })),
    );
    expect(err.code).toBe("dependency_unavailable");
    // the token was not consumed: the agent can register once the audit log is back
    expect((await db().select().from(clusters).where(eq(clusters.id, cluster.id)))[0]).toMatchObject({
      status: "pending",
      registrationTokenHash: issued.registrationTokenHash,
      agentCredentialHash: null,
    });

    const ctx = testContext(db(), { actor: "agent-registration" });
    const registered = await registerAgent({ ctx, input: body });
    const registeredRows = await auditRows(ctx.requestId);
    expect(registeredRows).toEqual([
      expect.objectContaining({
        action: "agent.register",
        resourceType: "cluster",
        resourceId: cluster.id,
        clusterId: cluster.id,
        result: "success",
        changes: { agentVersion: "1.2.3", kubernetesVersion: "1.31.0" },
      }),
    ]);

    const rotating = agentContext(cluster);
    const rotated = await rotateAgentCredential({ ctx: rotating, input: { clusterId: cluster.id } });
    const rotatedRows = await auditRows(rotating.requestId);
    expect(rotatedRows).toEqual([
      expect.objectContaining({
        actor: `agent:${cluster.id}`,
        action: "agent.credential.rotate",
        resourceId: cluster.id,
        clusterId: cluster.id,
        result: "success",
      }),
    ]);
    const written = JSON.stringify([registeredRows, rotatedRows]);
    for (const secret of [issued.registrationToken, registered.credential, rotated.credential]) {
      expect(written).not.toContain(secret);
    }

    const hashBefore = (await db().select().from(clusters).where(eq(clusters.id, cluster.id)))[0]!
      .agentCredentialHash;
    const unaudited = agentContext(cluster);
    await refusingAuditWrites(db(), "insert", unaudited.requestId, () =>
      rejection(rotateAgentCredential({ ctx: unaudited, input: { clusterId: cluster.id } })),
    );
    expect(
      (await db().select().from(clusters).where(eq(clusters.id, cluster.id)))[0]!.agentCredentialHash,
    ).toBe(hashBefore);
  });
});
