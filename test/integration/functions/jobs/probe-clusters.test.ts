/**
 * The health worker on real Postgres against the Kubernetes API test server,
 * through the real registry, runner, in-process queue and consumer: the
 * scheduled run fans out one message per due cluster, each check writes the
 * cluster's state (healthy, degraded, unauthorized, unreachable: down or
 * timing out), no more than policy.clusterProbeConcurrency checks are ever in
 * flight, an older result never overwrites a newer one, and without an
 * encryption key nothing is checked and one warning says why.
 */
import { eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type ClusterStateRow, clusterStates } from "../../../../drizzle/schema/cluster-states.ts";
import { wireJobs } from "../../../../functions/composition/jobs.ts";
import type { AppDeps } from "../../../../functions/composition/types.ts";
import {
  createProbeClustersJob,
  NO_KEY_FOR_KUBECONFIGS,
  PROBE_CLUSTERS_JOB,
} from "../../../../functions/jobs/probe-clusters.ts";
import { JobRegistry } from "../../../../functions/jobs/registry.ts";
import { runJob } from "../../../../functions/jobs/runner.ts";
import { Keyring } from "../../../../functions/lib/crypto/keyring.ts";
import { nodeApiServerProbe } from "../../../../functions/lib/kube-probe/node-probe.ts";
import type { ProbeResult } from "../../../../functions/lib/kube-probe/types.ts";
import type { PolicySettings } from "../../../../functions/policy.ts";
import { InProcessQueue } from "../../../../functions/queue/in-process.ts";
import { recordClusterCheck } from "../../../../functions/services/clusters/cluster-state-write.ts";
import { storeKubeconfig } from "../../../../functions/services/clusters/kubeconfig-store.ts";
import { ManualClock } from "../../../../shared/clock.ts";
import { createMemoryLogger } from "../../../../shared/logger.ts";
import { startTestApi, type TestApi } from "../../../support/api.ts";
import { closedPort } from "../../../support/closed-port.ts";
import { seedCluster, testContext } from "../../../support/fixtures.ts";
import { type KubeApiServer, type KubeObject, startKubeApiServer } from "../../../support/kube-api/index.ts";
import { kubeconfigYaml, uniqueToken } from "../../../support/kubeconfig-fixtures.ts";
import { requirePostgres } from "../../../support/postgres.ts";

const ok = await requirePostgres();
const Ki = 1024;

function kubeletNode(name: string, o: { ready: boolean; cpu: string; memoryKi: number }): KubeObject {
  return {
    metadata: { name },
    status: {
      capacity: { cpu: o.cpu, memory: `${o.memoryKi}Ki`, pods: "110" },
      allocatable: { cpu: `${Number(o.cpu) * 1000 - 100}m`, memory: `${o.memoryKi - 256 * Ki}Ki` },
      conditions: [{ type: "Ready", status: o.ready ? "True" : "False" }],
    },
  };
}

describe.skipIf(!ok)("probe-clusters (health worker)", () => {
  let api: TestApi;
  const clock = new ManualClock(Date.UTC(2026, 5, 1, 12, 0, 0));
  const encryption = new Keyring([{ id: "k1", key: crypto.getRandomValues(new Uint8Array(32)) }]);
  const servers: KubeApiServer[] = [];
  const db = () => api.database.db;

  beforeAll(async () => {
    api = await startTestApi({ clock, encryption });
  });
  afterAll(async () => {
    for (const s of servers) await s.close();
    await api?.close();
  });

  async function kubeServer(token: string, nodes: KubeObject[] = []): Promise<KubeApiServer> {
    const kube = await startKubeApiServer({ requireToken: token });
    servers.push(kube);
    for (const node of nodes) kube.store.create("nodes", undefined, node, { keepStatus: true });
    return kube;
  }

  /** A live cluster with a token kubeconfig for `server`, stored the way the API stores it. */
  async function kubeconfigCluster(server: string, token: string): Promise<string> {
    const cluster = await seedCluster(db());
    await storeKubeconfig({
      ctx: testContext(db(), { clock, encryption }),
      input: { clusterId: cluster.id, kubeconfig: kubeconfigYaml({ server, user: { token } }) },
    });
    return cluster.id;
  }

  /** The real runner and consumer over an in-process queue, with this test's policy and logger. */
  function wiring(opts: { policy?: Partial<PolicySettings>; app?: Partial<AppDeps> } = {}) {
    const logger = createMemoryLogger();
    const app: AppDeps = {
      ...api.deps,
      logger,
      apiServerProbe: nodeApiServerProbe(),
      config: {
        ...api.deps.config,
        policy: { ...api.deps.config.policy, clusterProbeTimeoutMs: 2_000, ...opts.policy },
      },
      ...opts.app,
    };
    let consume: ReturnType<typeof wireJobs>["consumeBatch"] | undefined;
    const queue = new InProcessQueue({ clock, logger, consumeBatch: (d) => consume!(d) });
    const registry = new JobRegistry([createProbeClustersJob({ retryDelaysMs: [50] })]);
    const jobs = wireJobs({ app, queue, registry });
    consume = jobs.consumeBatch;
    const fanOut = async () => {
      const outcome = await runJob(jobs.runner, registry.get(PROBE_CLUSTERS_JOB)!, "test");
      expect(outcome.outcome).toBe("ok");
    };
    return { queue, logger, fanOut };
  }

  async function stateOf(clusterId: string): Promise<ClusterStateRow | undefined> {
    const [row] = await db().select().from(clusterStates).where(eq(clusterStates.clusterId, clusterId));
    return row;
  }

  it("checks every due cluster through the queue: healthy, degraded, unauthorized, down", async () => {
    const token = uniqueToken();
    const healthyKube = await kubeServer(token, [
      kubeletNode("a", { ready: true, cpu: "4", memoryKi: 16 * 1024 * Ki }),
      kubeletNode("b", { ready: true, cpu: "2", memoryKi: 8 * 1024 * Ki }),
    ]);
    const degradedKube = await kubeServer(token, [
      kubeletNode("a", { ready: true, cpu: "4", memoryKi: 1024 * Ki }),
      kubeletNode("b", { ready: false, cpu: "4", memoryKi: 1024 * Ki }),
    ]);
    const healthy = await kubeconfigCluster(healthyKube.url, token);
    const degraded = await kubeconfigCluster(degradedKube.url, token);
    const wrongToken = uniqueToken();
    const unauthorized = await kubeconfigCluster(healthyKube.url, wrongToken);
    const down = await kubeconfigCluster(`http://127.0.0.1:${await closedPort()}`, token);
    // an agent cluster without a kubeconfig is never checked
    await seedCluster(db());
    const { queue, logger, fanOut } = wiring();

    await fanOut();
    expect(queue.pendingCount).toBe(4);
    expect(await queue.processDue()).toBe(4);
    expect(queue.parked).toHaveLength(0);

    const GiB = 1024 * 1024 * 1024;
    expect(await stateOf(healthy)).toMatchObject({
      status: "healthy",
      error: null,
      kubernetesVersion: "v1.31.0-ksp-stand-in",
      nodeCountTotal: 2,
      nodeCountReady: 2,
      cpuCapacityMillis: 6000,
      memoryCapacityBytes: 24 * GiB,
      cpuAllocatableMillis: 5800,
      memoryAllocatableBytes: 24 * GiB - 2 * 256 * 1024 * Ki,
      kubeconfigVersion: 1,
      checkedAt: clock.now(),
      lastHealthyAt: clock.now(),
      consecutiveFailures: 0,
    });
    expect((await stateOf(healthy))!.latencyMs).toBeGreaterThanOrEqual(0);
    expect(await stateOf(degraded)).toMatchObject({
      status: "degraded",
      error: "1 of 2 Nodes are not Ready",
      nodeCountTotal: 2,
      nodeCountReady: 1,
      lastHealthyAt: null,
      consecutiveFailures: 0,
    });
    const refused = await stateOf(unauthorized);
    expect(refused).toMatchObject({ status: "unauthorized", consecutiveFailures: 1, nodeCountTotal: null });
    expect(refused!.error).toContain("HTTP 401");
    // /version needs no credentials, so the version is known even when the token is refused
    expect(refused!.kubernetesVersion).toBe("v1.31.0-ksp-stand-in");
    const unreachable = await stateOf(down);
    expect(unreachable).toMatchObject({ status: "unreachable", consecutiveFailures: 1, latencyMs: null });
    expect(unreachable!.error).toMatch(/could not reach http:\/\/127\.0\.0\.1:\d+/);
    // Nodes are read in pages, with the credential of each kubeconfig
    expect(healthyKube.requests.some((r) => r.path === "/api/v1/nodes?limit=500" && r.token === token)).toBe(
      true,
    );

    // the credentials appear in no state and no log line
    const everything = JSON.stringify([await db().select().from(clusterStates), logger.lines]);
    expect(everything).not.toContain(token);
    expect(everything).not.toContain(wrongToken);

    // checked within the interval: nothing is due; after it, all four again
    await fanOut();
    expect(queue.pendingCount).toBe(0);
    clock.advance(60_000);
    await fanOut();
    expect(queue.pendingCount).toBe(4);
    await queue.processDue();
    expect(await stateOf(down)).toMatchObject({ status: "unreachable", consecutiveFailures: 2 });
    expect(await stateOf(healthy)).toMatchObject({ status: "healthy", checkedAt: clock.now() });
  });

  it("reports a server that does not answer in time as unreachable, after one retry", async () => {
    const token = uniqueToken();
    const kube = await kubeServer(token);
    const hold = kube.hold({ method: "GET", path: /^\/version/ });
    const clusterId = await kubeconfigCluster(kube.url, token);
    const { queue, fanOut } = wiring({ policy: { clusterProbeTimeoutMs: 300 } });

    await fanOut();
    expect(queue.pendingCount).toBeGreaterThanOrEqual(1);
    await queue.processDue();
    expect(await stateOf(clusterId)).toMatchObject({
      status: "unreachable",
      error: "no answer within 0.3 s",
      consecutiveFailures: 1,
    });
    expect(hold.held()).toBe(2); // the first attempt and its retry
    hold.release();
  });

  it("keeps no more than policy.clusterProbeConcurrency checks in flight", async () => {
    const token = uniqueToken();
    const kube = await kubeServer(token, [kubeletNode("a", { ready: true, cpu: "1", memoryKi: 1024 * Ki })]);
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) ids.push(await kubeconfigCluster(kube.url, token));
    const hold = kube.hold({ method: "GET", path: /^\/api\/v1\/nodes/ });
    clock.advance(60_000); // the earlier tests' clusters are due too: they answer (or fail) without the hold
    const { queue, fanOut } = wiring({
      policy: { clusterProbeConcurrency: 2, clusterProbeTimeoutMs: 10_000 },
    });

    await fanOut();
    const drained = queue.processDue();
    await hold.waitHeld(2, 5_000);
    let most = 0;
    for (let i = 0; i < 20; i++) {
      most = Math.max(most, hold.held());
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    expect(most).toBe(2);
    hold.release();
    await drained;
    for (const id of ids) expect(await stateOf(id)).toMatchObject({ status: "healthy", nodeCountTotal: 1 });
  });

  it("never lets an older check or a replaced kubeconfig's check overwrite a newer result", async () => {
    const token = uniqueToken();
    const kube = await kubeServer(token);
    const clusterId = await kubeconfigCluster(kube.url, token);
    const ctx = testContext(db(), { clock, encryption });
    const t0 = clock.now();
    const at = (ms: number) => new Date(t0.getTime() + ms);
    const healthy: ProbeResult = {
      reachable: true,
      latencyMs: 3,
      gitVersion: "v1.30.1",
      nodes: { total: 1, ready: 1 },
      capacity: { cpuMillis: 1000, memoryBytes: 2048 },
      allocatable: { cpuMillis: 900, memoryBytes: 1024 },
    };
    const down: ProbeResult = { reachable: false, kind: "unreachable", error: "no answer within 10 s" };
    const record = (kubeconfigVersion: number, checkedAt: Date, result: ProbeResult) =>
      recordClusterCheck({ ctx, input: { clusterId, kubeconfigVersion, checkedAt, result } });

    expect((await record(1, at(2_000), healthy)).written).toBe(true);
    // a slower check that started earlier lands later: ignored
    expect(await record(1, at(1_000), down)).toMatchObject({ written: false, status: "unreachable" });
    expect(await stateOf(clusterId)).toMatchObject({ status: "healthy", checkedAt: at(2_000) });

    // a later failure keeps the last figures read and counts
    expect(await record(1, at(3_000), down)).toMatchObject({ written: true, previousStatus: "healthy" });
    expect(await stateOf(clusterId)).toMatchObject({
      status: "unreachable",
      error: "no answer within 10 s",
      kubernetesVersion: "v1.30.1",
      nodeCountTotal: 1,
      cpuCapacityMillis: 1000,
      latencyMs: null,
      lastHealthyAt: at(2_000),
      consecutiveFailures: 1,
    });

    // the kubeconfig is replaced (version 2): a late result of version 1 is ignored, even a later one
    await storeKubeconfig({
      ctx,
      input: { clusterId, kubeconfig: kubeconfigYaml({ server: kube.url, user: { token } }) },
    });
    expect((await record(2, at(4_000), healthy)).written).toBe(true);
    expect((await record(1, at(5_000), down)).written).toBe(false);
    expect(await stateOf(clusterId)).toMatchObject({
      status: "healthy",
      kubeconfigVersion: 2,
      consecutiveFailures: 0,
      lastHealthyAt: at(4_000),
    });
  });

  it("checks a cluster queued twice (checks falling behind the interval) only once", async () => {
    const token = uniqueToken();
    const kube = await kubeServer(token);
    const clusterId = await kubeconfigCluster(kube.url, token);
    const { queue, fanOut } = wiring();

    await fanOut();
    await fanOut();
    expect(queue.pendingCount).toBe(2);
    // side by side, the second finds the first holding the cluster's lock and comes back later
    for (let pass = 0; pass < 5 && queue.pendingCount > 0; pass++) {
      await queue.processDue();
      clock.advance(10_000);
    }
    expect(queue.pendingCount).toBe(0);
    expect(queue.parked).toHaveLength(0);
    expect(kube.requests.filter((r) => r.path === "/version")).toHaveLength(1);
    expect(await stateOf(clusterId)).toMatchObject({ status: "degraded", error: "the cluster has no Nodes" });
  });

  it("without an encryption key checks nothing and says why, once per run", async () => {
    const token = uniqueToken();
    const kube = await kubeServer(token);
    await kubeconfigCluster(kube.url, token);
    const { queue, logger, fanOut } = wiring({ app: { encryption: undefined } });

    await fanOut();
    expect(queue.pendingCount).toBe(0);
    expect(logger.lines.filter((l) => l.msg === NO_KEY_FOR_KUBECONFIGS)).toHaveLength(1);
    expect(kube.requests).toHaveLength(0);
  });
});
