/**
 * Acceptance: the agent as Cluster Autoscaler sees it. The real control plane
 * on a real port, the real agent core and gRPC server, and the CA emulator
 * (reference protos: current and CA 1.34.1 legacy) running CA's call patterns
 * end to end — refresh loop, target size, scale up, join results, fake-node
 * deletion, decrease target, backoff on ResourceExhausted, scale-down, the
 * template node decoded with the Kubernetes protos, options, pricing, GPU.
 * Then a control-plane outage, and mTLS with CA's client.
 */
// First: the control plane's routes need zod extended with .openapi() before
// proto/agent-api.ts builds its schemas, and the agent modules load it too.
import "@hono/zod-openapi";

import { status } from "@grpc/grpc-js";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { startTestApi, type TestApi } from "../../support/api.ts";
import {
  CA_DEFAULT_OPTIONS,
  type CaClient,
  CaEmulator,
  CaRpcError,
  createCaClient,
  type EmulatedNode,
  INITIAL_BACKOFF_MS,
  templateNodeProblems,
} from "../../support/ca-emulator/index.ts";
import { waitFor } from "../../support/eventually.ts";
import {
  type ConformanceCluster,
  GPU_LABEL,
  startConformanceCluster,
} from "../../support/harness/ca-conformance-cluster.ts";
import { requirePostgres } from "../../support/postgres.ts";

const ok = await requirePostgres();

const failure = (promise: Promise<unknown>) =>
  promise.then(
    () => {
      throw new Error("expected the RPC to fail");
    },
    (err: unknown) => {
      if (!(err instanceof CaRpcError)) throw err;
      return { code: err.code, details: err.details };
    },
  );
const providerId = (machineId: string) => `ksp://${machineId}`;

const until = (what: string, check: () => boolean | Promise<boolean>) => waitFor(what, check);
const unmanaged: EmulatedNode = { name: "control-plane-1", providerID: "", labels: { "node-role": "cp" } };

let api: TestApi;
beforeAll(async () => {
  if (ok) api = await startTestApi();
});
afterAll(() => api?.close());

describe.skipIf(!ok).each(["current", "legacy"] as const)(
  "Cluster Autoscaler (%s proto) against the agent",
  (version) => {
    // Every test gets a cluster, an emulator and a clock of its own (the emulator keeps CA's backoff),
    // so none depends on what another did or on the order they run in.
    let cluster: ConformanceCluster;
    let client: CaClient;
    let emulator: CaEmulator;
    let clock = Date.now();
    let clusters = 0;

    beforeEach(async () => {
      clock = Date.now();
      cluster = await startConformanceCluster(api, `ca-${version}-${++clusters}`);
      client = createCaClient({ address: cluster.grpcAddress, version });
      emulator = new CaEmulator(client, { now: () => clock });
    });
    afterEach(async () => {
      client?.close();
      await cluster?.close();
    });

    /**
     * CA scales `web` up by `joined + failed`; the first `joined` joins succeed and the rest fail in
     * preflight. Returns the cluster's Nodes as CA lists them (joined machines only: the first with
     * the pool label, the others without) and the failed instances' provider ids.
     */
    const joinWeb = async (joined: number, failed = 0) => {
      expect(await emulator.scaleUp("web", joined + failed)).toMatchObject({ outcome: "scaled" });
      const ids = (await emulator.nodes("web")).map((i) => i.id.replace("ksp://", ""));
      await until(`the ${ids.length} joins to run`, () =>
        ids.every((id) => cluster.work.held().includes(id)),
      );
      const good = ids.slice(0, joined);
      const bad = ids.slice(joined);
      for (const id of good) cluster.work.release(id);
      for (const id of bad) {
        cluster.work.release(id, {
          step: "preflight.kubelet-state",
          errorClass: "precondition",
          message: "kubeadm join: preflight failed",
        });
      }
      for (const id of good) await cluster.waitForStatus(id, "ready");
      for (const id of bad) await cluster.waitForStatus(id, "fault");
      const nameOf = (id: string) => cluster.kube.nodeInformer.byProviderId(providerId(id))!.name;
      const nodes = good.map(
        (id, i): EmulatedNode => ({
          name: nameOf(id),
          providerID: providerId(id),
          labels: i === 0 ? { "kube-static-pool.io/pool": "web" } : {},
        }),
      );
      await emulator.refresh();
      return { nodes, failedInstances: bad.map(providerId) };
    };

    it("refresh loop: Refresh, NodeGroups (enabled pools only), NodeGroupForNode for an unmanaged node", async () => {
      const loop = await emulator.runOnce([unmanaged]);
      expect(loop.groups.map((g) => [g.id, g.minSize, g.maxSize]).sort()).toEqual([
        ["gpu", 0, 3],
        ["web", 1, 6],
      ]);
      expect(loop.groupOfNode.get(unmanaged.name)).toBe("");
      expect(Object.fromEntries(loop.targetSizes)).toEqual({ gpu: 0, web: 0 });
      expect(loop.instances.get("web")).toEqual([]);
    });

    it("scale up: IncreaseSize reserves machines and TargetSize includes them at once, as creating instances", async () => {
      expect(await emulator.scaleUp("web", 3)).toEqual({ outcome: "scaled", before: 0, after: 3 });
      const instances = await emulator.nodes("web");
      expect(instances.map((i) => i.state)).toEqual([
        "instanceCreating",
        "instanceCreating",
        "instanceCreating",
      ]);
      const reserved = instances.map((i) => i.id.replace("ksp://", ""));
      for (const id of reserved) {
        expect(cluster.machineIds.web).toContain(id);
        // the reconciler picks them up at once; their joins are held, so they stay creating
        expect(["reserved", "joining"]).toContain(await cluster.machineStatus(id));
      }
    });

    it("refresh loop after the joins: every node maps to its group, failed joins carry errorInfo", async () => {
      const {
        nodes,
        failedInstances: [failedInstance],
      } = await joinWeb(2, 1);
      const [a, b] = nodes as [EmulatedNode, EmulatedNode];

      const loop = await emulator.runOnce([...nodes, unmanaged]);
      expect(Object.fromEntries(loop.groupOfNode)).toEqual({
        [a.name]: "web",
        [b.name]: "web",
        [unmanaged.name]: "",
      });
      expect(loop.targetSizes.get("web")).toBe(2);
      const byId = new Map(loop.instances.get("web")!.map((i) => [i.id, i]));
      expect(byId.get(a.providerID)).toMatchObject({ state: "instanceRunning", errorInfo: null });
      expect(byId.get(failedInstance!)).toEqual({
        id: failedInstance,
        state: "instanceCreating",
        errorInfo: expect.objectContaining({ errorCode: "join-failed", instanceErrorClass: 99 }),
      });
      expect(byId.get(failedInstance!)!.errorInfo!.errorMessage).toContain("preflight failed");
    });

    it("fake-node deletion: a failed instance and an unregistered one, resolved through NodeGroupForNode", async () => {
      // two running nodes and one failed join: target 2
      const {
        failedInstances: [failedInstance],
      } = await joinWeb(2, 1);
      expect(await emulator.deleteUnregistered(failedInstance!)).toEqual({
        groupId: "web",
        before: 2,
        after: 2,
      });
      expect((await emulator.nodes("web")).map((i) => i.id)).not.toContain(failedInstance);

      expect(await emulator.scaleUp("web", 1)).toMatchObject({ outcome: "scaled", after: 3 });
      const pending = (await emulator.nodes("web")).find((i) => i.state === "instanceCreating")!;
      expect(await emulator.deleteUnregistered(pending.id)).toEqual({ groupId: "web", before: 3, after: 2 });
      // reserved: freed at once; joining: the join is aborted and the host reset first
      await cluster.waitForStatus(pending.id.replace("ksp://", ""), "available");
    });

    it("decrease target: cancels unregistered instances only, refuses to reach registered ones", async () => {
      // two running nodes: target 2
      await joinWeb(2);
      expect(await emulator.scaleUp("web", 2)).toMatchObject({ outcome: "scaled", after: 4 });
      expect(await failure(emulator.decreaseTargetSize("web", -3))).toMatchObject({
        code: status.FAILED_PRECONDITION,
      });
      expect(await failure(emulator.decreaseTargetSize("web", 1))).toMatchObject({
        code: status.INVALID_ARGUMENT,
      });
      await emulator.decreaseTargetSize("web", -2);
      expect(await emulator.targetSize("web")).toBe(2);
      // cancelled joins leave through a reset (deleting meanwhile), then only the running nodes are left
      await until("the cancelled joins to be gone", async () => (await emulator.nodes("web")).length === 2);
      expect((await emulator.nodes("web")).map((i) => i.state)).toEqual([
        "instanceRunning",
        "instanceRunning",
      ]);
    });

    it("scale-down: DeleteNodes drains a registered node write-ahead and respects the minimum", async () => {
      // two running nodes: target 2, the pool's minimum is 1
      const { nodes } = await joinWeb(2);
      // a drain that takes its time, so CA can be seen looking at a deleting instance
      cluster.kube.setDrainBehaviour({ delayMs: 60_000 });
      await emulator.deleteNodes("web", [nodes[1]!]);
      expect(await emulator.targetSize("web")).toBe(1);
      expect(await cluster.machineStatus(nodes[1]!.providerID.replace("ksp://", ""))).toBe("draining");
      const instances = await emulator.nodes("web");
      expect(instances.find((i) => i.id === nodes[1]!.providerID)?.state).toBe("instanceDeleting");

      const belowMin = await failure(emulator.deleteNodes("web", [nodes[0]!]));
      expect(belowMin.code).toBe(status.FAILED_PRECONDITION);
      const foreign = await failure(emulator.deleteNodes("gpu", [nodes[0]!]));
      expect(foreign).toMatchObject({
        code: status.INVALID_ARGUMENT,
        details: expect.stringContaining(nodes[0]!.name),
      });
    });

    it("backoff: ResourceExhausted backs the group off, CA does not call again until it ends", async () => {
      // web holds one instance, so six more would pass its maximum of 6
      expect(await emulator.scaleUp("web", 1)).toMatchObject({ outcome: "scaled", after: 1 });

      const exhausted = await emulator.scaleUp("gpu", 3);
      expect(exhausted).toMatchObject({ outcome: "failed", backoffMs: INITIAL_BACKOFF_MS });
      expect(exhausted.outcome === "failed" && exhausted.error.code).toBe(status.RESOURCE_EXHAUSTED);
      expect(exhausted.outcome === "failed" && exhausted.error.details).toMatch(/3.*2|2.*3/);
      const increases = () => emulator.calls.filter((c) => c === "NodeGroupIncreaseSize").length;
      const before = increases();
      expect(await emulator.scaleUp("gpu", 1)).toMatchObject({ outcome: "backed-off" });
      expect(increases()).toBe(before);

      clock += INITIAL_BACKOFF_MS;
      expect(await emulator.scaleUp("gpu", 2)).toEqual({ outcome: "scaled", before: 0, after: 2 });
      const overMax = await emulator.scaleUp("web", 6);
      expect(overMax.outcome === "failed" && overMax.error.code).toBe(status.INVALID_ARGUMENT);
    });

    it("template nodes decode with the Kubernetes protos and carry every field CA simulates with", async () => {
      const web = (await emulator.templateNode("web"))!;
      expect(
        templateNodeProblems(web, {
          pool: "web",
          arch: "arm64",
          zone: "eu-1a",
          region: "eu-1",
          taints: [{ key: "dedicated", value: "web", effect: "NoSchedule" }],
          capacity: { cpu: "8", memory: "32Gi", "ephemeral-storage": "100Gi", pods: "110" },
        }),
      ).toEqual([]);
      expect(web.labels.tier).toBe("frontend");
      expect(web.allocatable.cpu).toMatch(/^(7500m|7\.5)$/);

      // empty pool template: built from the smallest machine (16 cores), GPU label and resource from the pool
      const gpu = (await emulator.templateNode("gpu"))!;
      expect(
        templateNodeProblems(gpu, {
          pool: "gpu",
          arch: "amd64",
          zone: "us-2b",
          region: "us-2",
          gpu: { label: await emulator.gpuLabel(), type: "A100", count: 2 },
          taints: [],
          capacity: { cpu: "16", memory: "128Gi" },
        }),
      ).toEqual([]);
      expect((await failure(emulator.templateNode("nope"))).code).toBe(status.NOT_FOUND);
    });

    it("options, pricing, GPU label and types, cleanup; Unimplemented only where CA tolerates it", async () => {
      // one running node to price
      const { nodes } = await joinWeb(1);
      const options = await emulator.getOptions("web", CA_DEFAULT_OPTIONS);
      expect(options).toEqual({ ...CA_DEFAULT_OPTIONS, scaleDownUnneededMs: 300_000 });
      expect(await emulator.getOptions("gpu", CA_DEFAULT_OPTIONS)).toBeNull();

      const start = new Date("2026-01-01T00:00:00Z");
      const end = new Date("2026-01-01T02:00:00Z");
      expect(await emulator.nodePrice(nodes[0]!, start, end)).toBeCloseTo(1.0, 6);
      expect(await emulator.nodePrice(unmanaged, start, end)).toBeNull();
      expect(await emulator.podPrice(start, end)).toBeNull();

      expect(await emulator.gpuLabel()).toBe(GPU_LABEL);
      expect(await emulator.availableGpuTypes()).toEqual(["A100"]);
      await emulator.cleanup();
      expect((await failure(emulator.targetSize("manual"))).code).toBe(status.NOT_FOUND);
      expect((await emulator.nodeGroups()).map((g) => g.id).sort()).toEqual(["gpu", "web"]);
    });
  },
);
