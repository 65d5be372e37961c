/**
 * The health worker inside workerd (the BUNDLED Worker via Miniflare,
 * Postgres through the Neon proxy, Upstash through the bridge, the
 * Kubernetes API test server): clusters imported with a kubeconfig through
 * POST /v1/clusters, the cron's scheduled() fans out one `job.cluster`
 * message per cluster onto JOBS_QUEUE, Miniflare's consumer hands them to the
 * Worker's queue(), and each writes the cluster's cluster_states row with
 * the Worker's fetch: a token kubeconfig is checked, a client-certificate one
 * is refused by name (a Worker's fetch cannot present it).
 */
import { randomBytes } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openNodePostgres } from "../../drizzle/drivers/node-postgres.ts";
import { apiTokens, clusterStates } from "../../drizzle/schema/index.ts";
import { NEEDS_NODE_CONTROL_PLANE } from "../../functions/lib/kube-probe/fetch-probe.ts";
import { generateToken, hashToken, tokenDisplayPrefix } from "../../functions/lib/tokens.ts";
import { type KubeApiServer, startKubeApiServer } from "../support/kube-api/index.ts";
import {
  fakeCertificatePem,
  kubeconfigYaml,
  privateKeyPem,
  uniqueToken,
} from "../support/kubeconfig-fixtures.ts";
import { type NeonProxy, startNeonProxy } from "../support/neon-proxy.ts";
import { createTestDatabase, requirePostgres, type TestDatabase } from "../support/postgres.ts";
import { redisAvailable, startUpstashBridge, type UpstashBridge } from "../support/upstash-bridge.ts";
import { recordUsage } from "../support/usage.ts";
import { startWorker, type WorkerHarness } from "../support/worker-harness.ts";

const BASE = "http://ksp.test";
const servicesOk = (await redisAvailable()) && (await requirePostgres());

describe.skipIf(!servicesOk)("cluster health worker in workerd", () => {
  const token = uniqueToken();
  let database: TestDatabase;
  let proxy: NeonProxy;
  let bridge: UpstashBridge;
  let kube: KubeApiServer;
  let harness: WorkerHarness;

  beforeAll(async () => {
    recordUsage("service", "workerd (miniflare)");
    database = await createTestDatabase();
    proxy = await startNeonProxy();
    bridge = await startUpstashBridge();
    kube = await startKubeApiServer({ requireToken: token });
    for (const [name, ready] of [
      ["w-1", "True"],
      ["w-2", "True"],
    ] as const) {
      kube.store.create(
        "nodes",
        undefined,
        {
          metadata: { name },
          status: {
            capacity: { cpu: "4", memory: "8Gi" },
            allocatable: { cpu: "3500m", memory: "7Gi" },
            conditions: [{ type: "Ready", status: ready }],
          },
        },
        { keepStatus: true },
      );
    }
    harness = await startWorker(
      {
        DATABASE_URL: database.url,
        NEON_WS_PROXY: `127.0.0.1:${proxy.port}/v1`,
        UPSTASH_REDIS_REST_URL: bridge.url,
        UPSTASH_REDIS_REST_TOKEN: bridge.token,
        KSP_COORDINATION_PREFIX: `ksphw${process.pid}:`,
        KSP_ENCRYPTION_KEYS: `k1:${randomBytes(32).toString("base64")}`,
      },
      { queueConsumer: { maxBatchTimeoutSeconds: 1 } },
    );
  });
  afterAll(async () => {
    await harness?.dispose();
    await kube?.close();
    await proxy?.close();
    await bridge?.close();
    await database?.drop();
  });

  it("cron → one queue message per kubeconfig cluster → queue() writes each cluster's state", async () => {
    const db = await openNodePostgres(database.url);
    try {
      const admin = generateToken("api");
      await db.db.insert(apiTokens).values({
        name: "health-admin",
        tokenHash: await hashToken(admin),
        displayPrefix: tokenDisplayPrefix(admin),
        role: "admin",
      });
      const create = async (name: string, kubeconfig: string) => {
        const res = await harness.mf.dispatchFetch(`${BASE}/v1/clusters`, {
          method: "POST",
          headers: { authorization: `Bearer ${admin}`, "content-type": "application/json" },
          body: JSON.stringify({ name, mode: "kubeconfig", kubeconfig }),
        });
        const body = (await res.json()) as { cluster: { id: string } };
        expect(res.status, JSON.stringify(body)).toBe(201);
        return body.cluster.id;
      };
      const tokenCluster = await create("by-token", kubeconfigYaml({ server: kube.url, user: { token } }));
      const certCluster = await create(
        "by-certificate",
        kubeconfigYaml({
          server: kube.url,
          user: {
            "client-certificate-data": Buffer.from(fakeCertificatePem()).toString("base64"),
            "client-key-data": Buffer.from(privateKeyPem()).toString("base64"),
          },
        }),
      );

      const worker = await harness.handlers();
      expect((await worker.scheduled({ cron: "* * * * *" })).outcome).toBe("ok");
      await expect
        .poll(async () => (await db.db.select().from(clusterStates)).length, { timeout: 20_000 })
        .toBe(2);

      const states = new Map((await db.db.select().from(clusterStates)).map((s) => [s.clusterId, s]));
      expect(states.get(tokenCluster)).toMatchObject({
        status: "healthy",
        error: null,
        kubernetesVersion: "v1.31.0-ksp-stand-in",
        nodeCountTotal: 2,
        nodeCountReady: 2,
        cpuCapacityMillis: 8000,
        memoryCapacityBytes: 16 * 2 ** 30,
        cpuAllocatableMillis: 7000,
        memoryAllocatableBytes: 14 * 2 ** 30,
        kubeconfigVersion: 1,
        consecutiveFailures: 0,
      });
      expect(states.get(certCluster)).toMatchObject({ status: "unreachable", consecutiveFailures: 1 });
      expect(states.get(certCluster)!.error).toContain(NEEDS_NODE_CONTROL_PLANE);
      // the Worker's fetch sent the token kubeconfig's credential; the refused one sent nothing
      expect(kube.requests.filter((r) => r.path.startsWith("/api/v1/nodes")).map((r) => r.token)).toEqual([
        token,
      ]);
      expect(JSON.stringify(harness.logs)).not.toContain(token);
    } finally {
      await db.close();
    }
  });
});
