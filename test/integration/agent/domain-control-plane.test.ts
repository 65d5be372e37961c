/**
 * The agent's domain against the real control plane on a real port:
 * register → sync → IncreaseSize reserves real machines (idempotently, even
 * when an answer is lost and the HTTP client retries) → DeleteNodes and
 * DecreaseTargetSize write their transitions → idle polls are 304s → an
 * outage leaves reads served and mutations Unavailable.
 */
// First: the control plane's routes need zod extended with .openapi() before
// proto/agent-api.ts builds its schemas, and the agent modules below load it too.
import "@hono/zod-openapi";

import { mkdtemp, rm } from "node:fs/promises";
import type { Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { serve } from "@hono/node-server";
import { and, eq } from "drizzle-orm";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import type { CaNode } from "../../../agent/cloud-provider/types.ts";
import { createFileCredentialStore } from "../../../agent/control-plane/credential-store.ts";
import { createHttpControlPlane } from "../../../agent/control-plane/http-control-plane.ts";
import { registerAgent } from "../../../agent/control-plane/register.ts";
import type { ControlPlane, StateResult } from "../../../agent/control-plane/types.ts";
import { type AgentCore, createAgentCore } from "../../../agent/core.ts";
import { alwaysLeader } from "../../../agent/leadership.ts";
import { allocations, machines } from "../../../drizzle/schema/index.ts";
import { issueRegistrationToken } from "../../../functions/services/clusters/registration-token.ts";
import { createLogger } from "../../../shared/logger.ts";
import { startTestApi, type TestApi } from "../../support/api.ts";
import { seedCluster, seedMachines, seedPool } from "../../support/fixtures.ts";
import { requirePostgres } from "../../support/postgres.ts";

const ok = await requirePostgres();

describe.skipIf(!ok)("agent domain against the real control plane", () => {
  let api: TestApi;
  let dir: string;
  // each test serves the app on its own port and starts its own agent: the outage test closes its server
  const servers: Server[] = [];
  const cores: AgentCore[] = [];

  beforeAll(async () => {
    api = await startTestApi();
    dir = await mkdtemp(join(tmpdir(), "ksp-agent-domain-"));
  });
  afterEach(async () => {
    for (const core of cores.splice(0)) await core.stop();
    for (const server of servers.splice(0)) {
      if (!server.listening) continue;
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeAllConnections();
      await closed;
    }
  });
  afterAll(async () => {
    await api?.close();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  const listen = async () => {
    const server = await new Promise<Server>((resolve) => {
      const s = serve({ fetch: api.app.fetch, port: 0, hostname: "127.0.0.1" }, () => resolve(s as Server));
    });
    servers.push(server);
    return { server, baseUrl: `http://127.0.0.1:${(server.address() as AddressInfo).port}` };
  };

  /** A pending cluster with a registration token, an autoscaled pool "web" and a manual pool. */
  const seedWebCluster = async () => {
    const { db } = api.database;
    const issued = await issueRegistrationToken(new Date(), 3_600_000);
    const cluster = await seedCluster(db, {
      status: "pending",
      registrationTokenHash: issued.registrationTokenHash,
      registrationTokenExpiresAt: issued.registrationTokenExpiresAt,
    });
    const tag = `t-${cluster.id.slice(0, 8)}`;
    const pool = await seedPool(db, cluster.id, {
      name: "web",
      minSize: 1,
      maxSize: 5,
      hardwareRequirements: { machineLabels: { tag } },
    });
    await seedPool(db, cluster.id, { name: "manual", autoscalingEnabled: false });
    return { issued, cluster, tag, pool };
  };

  /** The agent core over the HTTP control plane, as main.ts wires it. */
  const startAgent = (controlPlane: ControlPlane, logLines: string[] = []) => {
    const core = createAgentCore({
      controlPlane,
      clock: { now: () => new Date() },
      logger: createLogger({ level: "debug", sink: (line) => logLines.push(line) }),
      leadership: alwaysLeader("agent-0"),
      gpuLabel: "nvidia.com/gpu.product",
      syncIntervalMs: 60_000,
    });
    cores.push(core);
    return core;
  };

  const dbMachine = async (id: string) =>
    (await api.database.db.select().from(machines).where(eq(machines.id, id)))[0]!;

  it("registers, syncs, scales up and down through the control plane", async () => {
    const { db } = api.database;
    const { baseUrl } = await listen();
    const logLines: string[] = [];
    const stateAnswers: StateResult["notModified"][] = [];
    let loseNextAllocationAnswer = false;
    /** A real fetch that can lose an allocation's answer after the control plane committed it. */
    const flakyFetch: typeof fetch = async (input, init) => {
      const res = await fetch(input, init);
      const path = new URL(String(input)).pathname;
      if (path === "/v1/agent/allocations" && loseNextAllocationAnswer) {
        loseNextAllocationAnswer = false;
        await res.text();
        throw Object.assign(new TypeError("fetch failed"), { cause: { code: "ECONNRESET" } });
      }
      return res;
    };

    const { issued, cluster, tag, pool } = await seedWebCluster();
    const readyId = crypto.randomUUID();
    await seedMachines(db, 1, {
      id: readyId,
      clusterId: cluster.id,
      poolId: pool.id,
      status: "ready",
      nodeName: "web-node-1",
      providerId: `ksp://${readyId}`,
      labels: { tag },
    });
    await seedMachines(db, 3, { labels: { tag } });

    // register and keep the credential as the agent would
    const registration = await registerAgent({
      baseUrl,
      registrationToken: issued.registrationToken,
      clusterName: cluster.name,
      agentVersion: "0.1.0",
      kubernetesVersion: "v1.31.0",
    });
    expect(registration.clusterId).toBe(cluster.id);
    const credentials = createFileCredentialStore(join(dir, "credential"));
    await credentials.save({ clusterId: registration.clusterId, credential: registration.credential });
    const stored = (await credentials.load())!;

    const http = createHttpControlPlane({
      baseUrl,
      credential: () => stored.credential,
      fetch: flakyFetch,
      timeoutMs: 3_000,
      backoffBaseMs: 10,
    });
    const observed: ControlPlane = {
      ...http,
      state: async (etag, options) => {
        const answer = await http.state(etag, options);
        stateAnswers.push(answer.notModified);
        return answer;
      },
    };
    const core = startAgent(observed, logLines);
    expect(core.readiness().ready).toBe(false);
    await core.start();
    expect(core.readiness()).toEqual({ ready: true });
    const service = core.service;
    expect(service.nodeGroups().map((g) => g.id)).toEqual(["web"]);
    expect(service.targetSize("web")).toBe(1);
    expect(
      service.nodeGroupForNode({ providerId: `ksp://${readyId}`, name: "", labels: {}, annotations: {} })?.id,
    ).toBe("web");

    // idle polls are 304s
    await service.refresh();
    await service.refresh();
    expect(stateAnswers).toEqual([false, true, true]);

    // scale-up whose first answer is lost: the retry replays the same request id, nothing is reserved twice
    loseNextAllocationAnswer = true;
    await service.increaseSize("web", 2);
    expect(service.targetSize("web")).toBe(3);
    const reserved = await db
      .select()
      .from(machines)
      .where(and(eq(machines.poolId, pool.id), eq(machines.status, "reserved")));
    expect(reserved).toHaveLength(2);
    for (const m of reserved) expect(m.providerId).toBe(`ksp://${m.id}`);
    const rows = await db.select().from(allocations).where(eq(allocations.clusterId, cluster.id));
    expect(rows).toHaveLength(1);
    expect(rows[0]!.requestId).toMatch(/^ca-/);

    const creating = service.nodes("web").filter((n) => n.state === "creating");
    expect(creating.map((n) => n.id).sort()).toEqual(reserved.map((m) => m.providerId).sort());
    // the scale-up asked for a sync: the new state came as a full answer, not a 304
    await service.refresh();
    expect(stateAnswers.slice(3)).toContain(false);
    expect(service.targetSize("web")).toBe(3);

    // over max and out of machines: typed refusals from the real control plane
    await expect(service.increaseSize("web", 3)).rejects.toMatchObject({ code: "invalid_argument" });
    await expect(service.increaseSize("web", 2)).rejects.toMatchObject({
      code: "resource_exhausted",
      details: { requested: 2, available: 1 },
    });

    // DeleteNodes: a fake node for one reserved machine (cancelled) and the ready node (drained, write-ahead)
    const [cancelled, kept] = reserved;
    const fakeNode: CaNode = {
      name: cancelled!.providerId!,
      providerId: cancelled!.providerId!,
      labels: {},
      annotations: { "k8s.io/cluster-autoscaler/fake-node-reason": "unregistered" },
    };
    const readyNode: CaNode = {
      name: "web-node-1",
      providerId: `ksp://${readyId}`,
      labels: {},
      annotations: {},
    };
    const keptFakeNode: CaNode = { ...fakeNode, name: kept!.providerId!, providerId: kept!.providerId! };
    await expect(service.deleteNodes("web", [fakeNode, keptFakeNode, readyNode])).rejects.toMatchObject({
      code: "failed_precondition",
      message: expect.stringContaining("below the minimum 1"),
    });
    await service.deleteNodes("web", [fakeNode]);
    expect(service.targetSize("web")).toBe(2);
    expect((await dbMachine(cancelled!.id)).status).toBe("available");
    await service.deleteNodes("web", [readyNode]);
    expect((await dbMachine(readyId)).status).toBe("draining");
    expect(service.targetSize("web")).toBe(1);

    // DecreaseTargetSize cancels the remaining reservation and nothing else
    await expect(service.decreaseTargetSize("web", -2)).rejects.toMatchObject({
      code: "failed_precondition",
    });
    await service.decreaseTargetSize("web", -1);
    expect((await dbMachine(kept!.id)).status).toBe("available");
    expect(service.targetSize("web")).toBe(0);

    await service.refresh();
    expect(service.targetSize("web")).toBe(0);
    expect(service.nodes("web")).toEqual([{ id: `ksp://${readyId}`, state: "deleting" }]);

    // the credential never reaches the logs
    expect(logLines.length).toBeGreaterThan(0);
    expect(logLines.join("\n")).not.toContain(registration.credential);
  });

  it("keeps serving reads when the control plane goes away, and answers Unavailable to mutations", async () => {
    const { server, baseUrl } = await listen();
    // free machines that match the pool: only the outage can refuse the scale-up below
    const { issued, cluster, tag } = await seedWebCluster();
    await seedMachines(api.database.db, 2, { labels: { tag } });
    const registration = await registerAgent({
      baseUrl,
      registrationToken: issued.registrationToken,
      clusterName: cluster.name,
      agentVersion: "0.1.0",
      kubernetesVersion: "v1.31.0",
    });
    const core = startAgent(
      createHttpControlPlane({
        baseUrl,
        credential: () => registration.credential,
        timeoutMs: 3_000,
        backoffBaseMs: 10,
      }),
    );
    await core.start();
    expect(core.readiness()).toEqual({ ready: true });

    await new Promise<void>((resolve) => server.close(() => resolve()));
    server.closeAllConnections();
    const started = Date.now();
    await core.service.refresh();
    expect(Date.now() - started).toBeLessThan(1_500);
    expect(core.service.nodeGroups().map((g) => g.id)).toEqual(["web"]);
    expect(core.service.targetSize("web")).toBe(0);
    await expect(core.service.increaseSize("web", 1)).rejects.toMatchObject({ code: "unavailable" });
    expect(core.readiness().ready).toBe(true);
  });
});
