/**
 * One cluster for the CA conformance suite, built the way an operator and the
 * agent build it: cluster, pools and machines through the REST API; the agent
 * registered with the cluster's token over HTTP; the real agent core and gRPC
 * server on real ports. Each cluster gets its own HTTP listener on the shared
 * control-plane app, so one can go through an outage without the others.
 *
 * The machines move the way they do in production, through the agent's
 * lifecycle reconciler, here over in-memory doubles of the Kubernetes API
 * (FakeKube) and of the hosts (FakeMachineWork, joins held until the test
 * releases them, so CA can look at machines mid-join): no test posts a
 * transition by hand.
 *
 * Pools: `web` (min 1, max 6, full template, options and a price, 5 machines),
 * `gpu` (min 0, max 3, empty template → built from its 2 A100 machines, no
 * options, no price) and `manual` (autoscaling off: not a node group).
 */
import { randomInt } from "node:crypto";
import type { Server } from "node:http";
import type { AddressInfo } from "node:net";
import { serve } from "@hono/node-server";
import { createHttpControlPlane } from "../../../agent/control-plane/http-control-plane.ts";
import { registerAgent } from "../../../agent/control-plane/register.ts";
import { type AgentCore, createAgentCore } from "../../../agent/core.ts";
import { type GrpcServer, startGrpcServer } from "../../../agent/grpc/server.ts";
import { alwaysLeader } from "../../../agent/leadership.ts";
import { createReconciler } from "../../../agent/reconciler/reconciler.ts";
import { createLogger } from "../../../shared/logger.ts";
import { FakeKube } from "../agent/fake-kube.ts";
import { FakeMachineWork } from "../agent/fake-machine-work.ts";
import type { TestApi } from "../api.ts";
import { waitFor } from "../eventually.ts";

// Machine addresses are unique among live machines: one /24 per cluster, counted from a random start
// so files sharing a database do not collide, and never twice within one.
let nextSubnet = randomInt(0, 60_000);

const GiB = 2 ** 30;
export const GPU_LABEL = "nvidia.com/gpu.product";

export const WEB_POOL = {
  name: "web",
  minSize: 1,
  maxSize: 6,
  autoscalingEnabled: true,
  templateLabels: {
    "kubernetes.io/arch": "arm64",
    "topology.kubernetes.io/zone": "eu-1a",
    "topology.kubernetes.io/region": "eu-1",
    tier: "frontend",
  },
  templateTaints: [{ key: "dedicated", value: "web", effect: "NoSchedule" }],
  capacityCpuMillis: 8000,
  capacityMemoryBytes: 32 * GiB,
  capacityEphemeralStorageBytes: 100 * GiB,
  capacityPods: 110,
  allocatableCpuMillis: 7500,
  allocatableMemoryBytes: 30 * GiB,
  allocatableEphemeralStorageBytes: 90 * GiB,
  allocatablePods: 110,
  autoscalingOptions: { scaleDownUnneededSeconds: 300, zeroOrMaxNodeScaling: false },
  hourlyPrice: 0.5,
};
export const GPU_POOL = {
  name: "gpu",
  minSize: 0,
  maxSize: 3,
  autoscalingEnabled: true,
  gpuCount: 2,
  gpuType: "A100",
};

export interface ConformanceCluster {
  clusterId: string;
  poolIds: Record<"web" | "gpu" | "manual", string>;
  machineIds: Record<"web" | "gpu", string[]>;
  grpcAddress: string;
  core: AgentCore;
  /** the hosts: joins wait for `work.release(machineId)` (or a failure) */
  work: FakeMachineWork;
  /** the cluster's Nodes, as the kubelets register them */
  kube: FakeKube;
  machineStatus(id: string): Promise<string>;
  /** polls the control plane until the machine is in one of `statuses` */
  waitForStatus(id: string, ...statuses: string[]): Promise<void>;
  /** closes this cluster's control-plane listener: the agent sees the control plane as unreachable */
  cutControlPlane(): Promise<void>;
  close(): Promise<void>;
}

function listen(api: TestApi): Promise<Server> {
  return new Promise((resolve) => {
    const server = serve({ fetch: api.app.fetch, port: 0, hostname: "127.0.0.1" }, () =>
      resolve(server as Server),
    );
  });
}

export async function startConformanceCluster(api: TestApi, name: string): Promise<ConformanceCluster> {
  const admin = async <T = { id: string }>(method: string, path: string, body?: unknown): Promise<T> => {
    const res = await api.json(method, path, { token: api.admin, body });
    if (res.status >= 300) throw new Error(`${method} ${path}: ${res.status} ${JSON.stringify(res.body)}`);
    return res.body as T;
  };
  const created = await admin<{ cluster: { id: string }; registrationToken: string }>(
    "POST",
    "/v1/clusters",
    {
      name,
    },
  );
  const clusterId = created.cluster.id;
  const pool = (body: object) => admin("POST", `/v1/clusters/${clusterId}/pools`, body);
  const poolIds = {
    web: (await pool(WEB_POOL)).id,
    gpu: (await pool(GPU_POOL)).id,
    manual: (await pool({ name: "manual", autoscalingEnabled: false })).id,
  };
  const s = nextSubnet++;
  const ipBase = `10.${1 + ((s >> 8) % 249)}.${s & 0xff}`;
  let n = 0;
  const machine = async (poolId: string, hardware: object) => {
    n++;
    const m = await admin("POST", "/v1/machines", {
      hostname: `${name}-m${n}`,
      ip: `${ipBase}.${n}`,
      ...hardware,
    });
    await admin("POST", `/v1/machines/${m.id}/assign`, { clusterId, poolId });
    return m.id;
  };
  const webHardware = { cpuCores: 8, memoryBytes: 32 * GiB, region: "eu-1", zone: "eu-1a" };
  const machineIds = { web: [] as string[], gpu: [] as string[] };
  for (let i = 0; i < 5; i++) machineIds.web.push(await machine(poolIds.web, webHardware));
  for (const cpuCores of [32, 16]) {
    machineIds.gpu.push(
      await machine(poolIds.gpu, {
        cpuCores,
        memoryBytes: 8 * cpuCores * GiB,
        gpuCount: 2,
        gpuType: "A100",
        region: "us-2",
        zone: "us-2b",
      }),
    );
  }

  const server = await listen(api);
  const baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const registration = await registerAgent({
    baseUrl,
    registrationToken: created.registrationToken,
    clusterName: name,
    agentVersion: "0.1.0",
    kubernetesVersion: "v1.31.2",
  });
  const logger = createLogger({ level: "error", sink: () => {} });
  const controlPlane = createHttpControlPlane({
    baseUrl,
    credential: () => registration.credential,
    timeoutMs: 2_000,
    backoffBaseMs: 20,
  });
  const leadership = alwaysLeader(`${name}-agent`);
  const core = createAgentCore({
    controlPlane,
    clock: { now: () => new Date() },
    logger,
    leadership,
    gpuLabel: GPU_LABEL,
    syncIntervalMs: 60_000,
  });
  await core.start();
  const kube = new FakeKube({ identity: `${name}-agent` });
  const work = new FakeMachineWork(kube);
  work.holdJoins = true;
  await kube.nodeInformer.start();
  const reconciler = createReconciler({
    store: core.store,
    controlPlane,
    nodes: kube.nodeInformer,
    nodeOps: kube.nodeOperations,
    tokens: kube.bootstrapTokens,
    discovery: kube.discovery,
    work,
    leadership,
    clock: { now: () => new Date() },
    logger,
    metrics: { operation: () => {}, joinSeconds: () => {}, drainSeconds: () => {}, sshError: () => {} },
    requestSync: core.requestSync,
    tickMs: 50,
    maxRetryDelayMs: 200,
  });
  await reconciler.start();
  const grpc: GrpcServer = await startGrpcServer({
    listen: { host: "127.0.0.1", port: 0 },
    tls: null,
    service: core.service,
    logger,
  });

  const machineStatus = async (id: string) =>
    (await admin<{ status: string }>("GET", `/v1/machines/${id}`)).status;
  let cut = false;
  const cutControlPlane = async () => {
    if (cut) return;
    cut = true;
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  };
  return {
    clusterId,
    poolIds,
    machineIds,
    grpcAddress: `127.0.0.1:${grpc.port}`,
    core,
    work,
    kube,
    machineStatus,
    async waitForStatus(id, ...statuses) {
      await waitFor(`machine ${id} to be ${statuses.join(" or ")}`, async () =>
        statuses.includes(await machineStatus(id)),
      );
    },
    cutControlPlane,
    async close() {
      await grpc.close();
      await reconciler.stop();
      await kube.nodeInformer.stop();
      await core.stop();
      await cutControlPlane();
    },
  };
}
