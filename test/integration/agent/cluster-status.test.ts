/**
 * Cluster status from the agent, end to end over real parts: the control
 * plane on Postgres behind a real HTTP port, the agent's HTTP client, its
 * Node informer and resource reads on the Kubernetes API stand-in (with
 * metrics-server's NodeMetrics), and the heartbeat and snapshot loops.
 * GET /v1/clusters/{id} then shows the Node counts, the leader and the
 * cluster's capacity, allocatable, requested and used resources, and the
 * pool's own figures are stored beside them.
 */
// First: the control plane's routes need zod extended with .openapi() before
// proto/agent-api.ts builds its schemas, and the agent modules below load it too.
import "@hono/zod-openapi";

import { randomUUID } from "node:crypto";
import type { Server } from "node:http";
import type { AddressInfo } from "node:net";
import { serve } from "@hono/node-server";
import { and, eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createHttpControlPlane } from "../../../agent/control-plane/http-control-plane.ts";
import type { ControlPlane } from "../../../agent/control-plane/types.ts";
import { type HeartbeatLoop, startHeartbeatLoop } from "../../../agent/heartbeat.ts";
import { createNodeInformer } from "../../../agent/kubernetes/node-informer.ts";
import { createResourceReads } from "../../../agent/kubernetes/resource-reads.ts";
import type { NodeInformer } from "../../../agent/kubernetes/types.ts";
import { alwaysLeader } from "../../../agent/leadership.ts";
import { type SnapshotLoop, startSnapshotLoop } from "../../../agent/resources/snapshot-loop.ts";
import { createStateStore } from "../../../agent/state/store.ts";
import { resourceSnapshots } from "../../../drizzle/schema/index.ts";
import { createLogger } from "../../../shared/logger.ts";
import { resourcePod } from "../../support/agent/resource-reads-contract.ts";
import { startTestApi, type TestApi } from "../../support/api.ts";
import { eventually } from "../../support/eventually.ts";
import { seedCluster, seedMachines, seedPool } from "../../support/fixtures.ts";
import { type KubeApiServer, type KubeObject, startKubeApiServer } from "../../support/kube-api/index.ts";
import { requirePostgres } from "../../support/postgres.ts";

const ok = await requirePostgres();
const GiB = 2 ** 30;
const Ki = 1024;

/** A Node as a kubelet registers it: capacity, allocatable (minus reservations) and its Ready condition. */
function kubeletNode(
  name: string,
  o: { providerId?: string; ready: boolean; cpu: string; memoryKi: number },
) {
  return {
    metadata: { name },
    spec: o.providerId ? { providerID: o.providerId } : {},
    status: {
      capacity: { cpu: o.cpu, memory: `${o.memoryKi}Ki`, pods: "110" },
      allocatable: {
        cpu: `${Number(o.cpu) * 1000 - 100}m`,
        memory: `${o.memoryKi - 256 * Ki}Ki`,
        pods: "110",
      },
      conditions: [{ type: "Ready", status: o.ready ? "True" : "False" }],
    },
  } satisfies KubeObject;
}

describe.skipIf(!ok)("cluster status from the agent", () => {
  let api: TestApi;
  let server: Server;
  let kube: KubeApiServer;
  let informer: NodeInformer | undefined;
  let heartbeat: HeartbeatLoop | undefined;
  let snapshots: SnapshotLoop | undefined;

  beforeAll(async () => {
    api = await startTestApi();
    server = await new Promise<Server>((resolve) => {
      const s = serve({ fetch: api.app.fetch, port: 0, hostname: "127.0.0.1" }, () => resolve(s as Server));
    });
    kube = await startKubeApiServer({ metrics: "serving" });
  });
  afterAll(async () => {
    await snapshots?.stop();
    await heartbeat?.stop();
    await informer?.stop();
    await kube?.close();
    await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
    await api?.close();
  });

  it("shows the heartbeat's Node counts and the snapshot's capacity on GET /v1/clusters/{id}", async () => {
    const { db } = api.database;
    const cluster = await seedCluster(db);
    const pool = await seedPool(db, cluster.id, { name: "web" });
    const machineId = randomUUID();
    const providerId = `ksp://${machineId}`;
    const inPool = { clusterId: cluster.id, poolId: pool.id, status: "ready" as const };
    await seedMachines(db, 1, { ...inPool, id: machineId, providerId, nodeName: "web-1" });
    // one more machine assigned to the pool, whose Node is not in the cluster (anymore)
    await seedMachines(db, 1, inPool);
    const credential = await api.agentCredentialFor(cluster.id);

    // the cluster: a pool machine's Node, a control-plane Node that is no machine of ours, one NotReady
    const nodes = [
      kubeletNode("web-1", { providerId, ready: true, cpu: "8", memoryKi: 32 * 1024 * Ki }),
      kubeletNode("cp-1", { ready: true, cpu: "4", memoryKi: 16 * 1024 * Ki }),
      kubeletNode("cp-2", { ready: false, cpu: "4", memoryKi: 16 * 1024 * Ki }),
    ];
    for (const node of nodes) kube.store.create("nodes", undefined, node, { keepStatus: true });
    const pods = [
      resourcePod("web", { node: "web-1", requests: [{ cpu: "1500m", memory: "2Gi" }] }),
      resourcePod("etcd", {
        node: "cp-1",
        namespace: "kube-system",
        requests: [{ cpu: "100m", memory: "100Mi" }],
      }),
      resourcePod("finished", { node: "web-1", phase: "Succeeded", requests: [{ cpu: "4" }] }),
    ];
    for (const pod of pods) {
      kube.store.create("pods", pod.metadata!.namespace, pod as KubeObject, { keepStatus: true });
    }
    kube.metrics.setUsage("web-1", { cpu: "750000000n", memory: `${GiB / Ki}Ki` });
    kube.metrics.setUsage("cp-1", { cpu: "250m", memory: "512Mi" });

    // the agent's parts, as agent/main.ts wires them
    const logger = createLogger({ level: "warn", sink: () => {} });
    const controlPlane: ControlPlane = createHttpControlPlane({
      baseUrl: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
      credential: () => credential,
      timeoutMs: 3_000,
    });
    const store = createStateStore();
    const state = await controlPlane.state(null);
    if (state.notModified) throw new Error("expected the cluster's state");
    store.replace(state.state, state.etag, store.mutationMark());
    const kubeConfig = kube.kubeConfig();
    informer = createNodeInformer(kubeConfig, { logger });
    await informer.start();
    const watched = informer;
    const leadership = alwaysLeader("agent-0", new Date("2026-03-01T12:00:00.000Z"));
    heartbeat = startHeartbeatLoop({
      controlPlane,
      logger,
      leadership,
      agentVersion: "0.1.0",
      kubernetesVersion: "v1.31.0",
      nodeCounts: () => {
        const all = watched.list();
        return { total: all.length, ready: all.filter((n) => n.ready).length };
      },
    });
    snapshots = startSnapshotLoop({
      controlPlane,
      leadership,
      nodes: informer,
      store,
      reads: createResourceReads(kubeConfig),
      clock: { now: () => new Date() },
      logger,
      firstDelayMs: 10,
    });

    const shown = async () => {
      const res = await api.json("GET", `/v1/clusters/${cluster.id}`, { token: api.admin });
      expect(res.status).toBe(200);
      return res.body;
    };
    await eventually(async () => expect((await shown()).resources).not.toBeNull());
    const body = await shown();
    expect(body.nodes).toMatchObject({ total: 3, ready: 2 });
    expect(body.leader).toEqual({ identity: "agent-0", since: "2026-03-01T12:00:00.000Z" });
    expect(body.resources).toMatchObject({
      nodeCount: 3,
      capacity: { cpuMillis: 16_000, memoryBytes: 64 * GiB },
      allocatable: { cpuMillis: 15_700, memoryBytes: 64 * GiB - 3 * 256 * Ki * Ki },
      requested: { cpuMillis: 1600, memoryBytes: 2 * GiB + 100 * 2 ** 20 },
      usage: { cpuMillis: 1000, memoryBytes: GiB + 512 * 2 ** 20 },
    });
    // the machine counts stay the control plane's own: the two machines assigned
    expect(body.nodeCounts.total).toBe(2);

    const [poolRow] = await db
      .select()
      .from(resourceSnapshots)
      .where(and(eq(resourceSnapshots.clusterId, cluster.id), eq(resourceSnapshots.poolId, pool.id)));
    expect(poolRow).toMatchObject({
      nodeCount: 1,
      capacityCpuMillis: 8000,
      requestedCpuMillis: 1500,
      usageCpuMillis: 750,
    });

    // the list shows the same, and the next heartbeat follows the cluster
    kube.store.delete("nodes", undefined, "cp-2");
    await heartbeat.beat();
    const list = await api.json("GET", "/v1/clusters?limit=500", { token: api.admin });
    const listed = list.body.items.find((c: { id: string }) => c.id === cluster.id);
    expect(listed.resources).toEqual(body.resources);
    await eventually(async () => {
      await heartbeat!.beat();
      expect((await shown()).nodes).toMatchObject({ total: 2, ready: 2 });
    });
  });
});
