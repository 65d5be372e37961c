/**
 * One behavioural contract for the agent's Kubernetes adapters
 * (agent/kubernetes/types.ts). test/integration/agent/kubernetes/contract.test.ts
 * runs it twice: against the real adapters on the Kubernetes API stand-in,
 * and against FakeKube, so the fake the reconciler tests use is held to what
 * the real thing does.
 *
 * A harness hides how each side seeds its world (the stand-in's store, or
 * FakeKube's controls) and lets time pass for token expiry (a ManualClock).
 */
import type { V1Pod } from "@kubernetes/client-node";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { CLUSTER_INFO_MISSING } from "../../../agent/kubernetes/cluster-discovery.ts";
import { DrainError, KubeError } from "../../../agent/kubernetes/kube-error.ts";
import type {
  BootstrapTokens,
  ClusterDiscovery,
  ClusterJoinInfo,
  DrainOptions,
  NodeInfo,
  NodeInformer,
  NodeOperations,
  NodeTaint,
} from "../../../agent/kubernetes/types.ts";
import { eventually } from "../eventually.ts";
import { testPod } from "./kube-pods.ts";

export interface ContractNode {
  providerId?: string;
  labels?: Record<string, string>;
  taints?: NodeTaint[];
  ready?: boolean;
  /** cordoned already (spec.unschedulable) */
  unschedulable?: boolean;
  /** the agent's `ksp.io/cordoned-for` annotation */
  cordonedFor?: string;
}

export interface KubeContractHarness {
  /** not started yet */
  informer: NodeInformer;
  operations: NodeOperations;
  tokens: BootstrapTokens;
  discovery: ClusterDiscovery;
  /** the agent identity the tokens were made with */
  identity: string;
  addNode(name: string, node: ContractNode): Promise<void>;
  setReady(name: string, ready: boolean): Promise<void>;
  removeNode(name: string): Promise<void>;
  /** the Node as stored, not through the informer */
  storedNode(name: string): Promise<NodeInfo | undefined>;
  /** `pdbBlocked`: a PodDisruptionBudget refuses its eviction until releasePdb */
  addPod(pod: V1Pod, options?: { pdbBlocked?: boolean }): Promise<void>;
  /** lets the budget allow the pod's eviction (the stand-in: a replacement becomes Ready elsewhere) */
  releasePdb(podName: string): Promise<void>;
  /** "namespace/name" of the pods on the node */
  podsOn(node: string): Promise<string[]>;
  /** every bootstrap token that exists, expired or not */
  storedTokens(): Promise<{ id: string; description: string; expiresAt: Date }[]>;
  addForeignToken(id: string, expiresAt: Date): Promise<void>;
  /** the same tokens, as the replica named `identity` makes and sees them */
  tokensAs(identity: string): BootstrapTokens;
  now(): Date;
  advance(ms: number): void;
  /** publishes cluster-info naming `apiEndpoint` (or removes it: null); returns what discover() must answer */
  setClusterInfo(apiEndpoint: string | null): Promise<ClusterJoinInfo | null>;
  close(): Promise<void>;
}

const drainOptions = (overrides: Partial<DrainOptions> = {}): DrainOptions => ({
  timeoutMs: 5000,
  gracePeriodSeconds: -1,
  ignoreDaemonSets: true,
  deleteEmptyDirData: false,
  force: false,
  ...overrides,
});

async function rejection(promise: Promise<unknown>): Promise<unknown> {
  return promise.then(
    () => {
      throw new Error("expected a rejection");
    },
    (err: unknown) => err,
  );
}

export function defineKubeContract(open: () => Promise<KubeContractHarness>): void {
  let h: KubeContractHarness;
  beforeEach(async () => {
    h = await open();
  });
  afterEach(async () => {
    await h.close();
  });

  describe("node informer", () => {
    it("lists, then follows adds, readiness, providerIDs and deletes, telling subscribers", async () => {
      await h.addNode("n1", { providerId: "ksp://m1", labels: { pool: "a" }, ready: true });
      expect(h.informer.synced()).toBe(false);
      await h.informer.start();
      expect(h.informer.synced()).toBe(true);
      expect(h.informer.byName("n1")).toMatchObject({
        name: "n1",
        providerId: "ksp://m1",
        ready: true,
        labels: { pool: "a" },
        unschedulable: false,
        deleting: false,
      });
      let told = 0;
      const unsubscribe = h.informer.subscribe(() => {
        told += 1;
      });
      await h.addNode("n2", { providerId: "ksp://m2", ready: false });
      await eventually(() => expect(h.informer.byProviderId("ksp://m2")?.name).toBe("n2"));
      expect(h.informer.byName("n2")?.ready).toBe(false);
      await h.setReady("n2", true);
      await eventually(() => expect(h.informer.byName("n2")?.ready).toBe(true));
      await h.removeNode("n1");
      await eventually(() => expect(h.informer.byName("n1")).toBeUndefined());
      expect(h.informer.byProviderId("ksp://m1")).toBeUndefined();
      expect(h.informer.list().map((n) => n.name)).toEqual(["n2"]);
      expect(told).toBeGreaterThanOrEqual(3);
      unsubscribe();
      const before = told;
      await h.addNode("n3", {});
      await eventually(() => expect(h.informer.byName("n3")).toBeDefined());
      expect(told).toBe(before);
      await h.informer.stop();
    });

    it("moves the providerID index to a Node recreated under the same name", async () => {
      await h.addNode("n1", { providerId: "ksp://old" });
      await h.informer.start();
      await h.removeNode("n1");
      await h.addNode("n1", { providerId: "ksp://new" });
      await eventually(() => expect(h.informer.byProviderId("ksp://new")?.name).toBe("n1"));
      expect(h.informer.byProviderId("ksp://old")).toBeUndefined();
      await h.informer.stop();
    });
  });

  describe("node operations", () => {
    it("cordons, idempotently, and 404s for a missing Node", async () => {
      await h.addNode("n1", {});
      await h.operations.cordon("n1");
      await h.operations.cordon("n1");
      expect((await h.storedNode("n1"))?.unschedulable).toBe(true);
      const err = await rejection(h.operations.cordon("ghost"));
      expect(err).toBeInstanceOf(KubeError);
      expect(err).toMatchObject({ status: 404 });
    });

    it("cordons with the agent's mark in one go, idempotently, and leaves someone else's cordon unmarked", async () => {
      await h.addNode("n1", {});
      await h.addNode("admin", { unschedulable: true });
      await h.informer.start();
      expect(await h.operations.cordonWithMark("n1", "maintenance")).toBe("marked");
      expect(await h.storedNode("n1")).toMatchObject({ unschedulable: true, cordonedFor: "maintenance" });
      await eventually(() => expect(h.informer.byName("n1")?.cordonedFor).toBe("maintenance"));
      expect(await h.operations.cordonWithMark("n1", "maintenance")).toBe("marked");
      // an operator's cordon is theirs: not marked, so the agent never undoes it
      expect(await h.operations.cordonWithMark("admin", "maintenance")).toBe("foreign");
      expect(await h.storedNode("admin")).toMatchObject({ unschedulable: true, cordonedFor: null });
      expect(await rejection(h.operations.cordonWithMark("ghost", "maintenance"))).toMatchObject({
        status: 404,
      });
      await h.informer.stop();
    });

    it("uncordons only a Node it marked, removing the mark, idempotently", async () => {
      await h.addNode("ours", { unschedulable: true, cordonedFor: "maintenance" });
      await h.addNode("admin", { unschedulable: true });
      await h.addNode("free", {});
      expect(await h.operations.uncordonMarked("ours", "maintenance")).toBe(true);
      expect(await h.storedNode("ours")).toMatchObject({ unschedulable: false, cordonedFor: null });
      expect(await h.operations.uncordonMarked("ours", "maintenance")).toBe(false);
      expect(await h.operations.uncordonMarked("admin", "maintenance")).toBe(false);
      expect(await h.storedNode("admin")).toMatchObject({ unschedulable: true, cordonedFor: null });
      expect(await h.operations.uncordonMarked("free", "maintenance")).toBe(false);
      expect(await h.storedNode("free")).toMatchObject({ unschedulable: false, cordonedFor: null });
      expect(await rejection(h.operations.uncordonMarked("ghost", "maintenance"))).toMatchObject({
        status: 404,
      });
    });

    it("deletes a Node, tolerates one already gone, and honours the uid precondition", async () => {
      await h.addNode("n1", {});
      const uid = (await h.storedNode("n1"))!.uid;
      const wrong = await rejection(h.operations.delete("n1", { uid: "not-the-uid" }));
      expect(wrong).toMatchObject({ status: 409 });
      expect(await h.storedNode("n1")).toBeDefined();
      await h.operations.delete("n1", { uid });
      expect(await h.storedNode("n1")).toBeUndefined();
      await h.operations.delete("n1");
    });

    it("adds only the labels and taints a Node lacks, and reports them", async () => {
      await h.addNode("n1", {
        labels: { keep: "me", pool: "old" },
        taints: [{ key: "dedicated", value: "operator", effect: "NoSchedule" }],
      });
      const wantedTaints: NodeTaint[] = [
        { key: "dedicated", value: "pool", effect: "NoSchedule" },
        { key: "gpu", value: "true", effect: "NoExecute" },
      ];
      const added = await h.operations.ensureLabelsAndTaints(
        "n1",
        { pool: "a", zone: "z1", keep: "me" },
        wantedTaints,
      );
      expect(added).toEqual({ labels: ["pool", "zone"], taints: ["gpu:NoExecute"] });
      const node = await h.storedNode("n1");
      expect(node?.labels).toEqual({ keep: "me", pool: "a", zone: "z1" });
      expect(node?.taints).toEqual([
        { key: "dedicated", value: "operator", effect: "NoSchedule" },
        { key: "gpu", value: "true", effect: "NoExecute" },
      ]);
      expect(await h.operations.ensureLabelsAndTaints("n1", { pool: "a", zone: "z1" }, wantedTaints)).toEqual(
        { labels: [], taints: [] },
      );
      expect(await rejection(h.operations.ensureLabelsAndTaints("ghost", { a: "b" }, []))).toMatchObject({
        status: 404,
      });
    });
  });

  describe("drain", () => {
    const seedMix = async () => {
      await h.addNode("n1", {});
      await h.addPod(testPod({ name: "web", node: "n1" }));
      await h.addPod(testPod({ name: "agent", node: "n1", owner: "DaemonSet" }));
      await h.addPod(testPod({ name: "static", node: "n1", owner: "none", mirror: true }));
      await h.addPod(testPod({ name: "done", node: "n1", owner: "none", phase: "Succeeded" }));
      await h.addPod(testPod({ name: "bare", node: "n1", owner: "none" }));
      await h.addPod(testPod({ name: "cache", node: "n1", emptyDir: true }));
      await h.addPod(testPod({ name: "elsewhere", node: "n2" }));
    };

    it("refuses, naming every blocking pod, before evicting anything", async () => {
      await seedMix();
      const err = await rejection(h.operations.drain("n1", drainOptions({ ignoreDaemonSets: false })));
      expect(err).toBeInstanceOf(DrainError);
      const drainErr = err as DrainError;
      expect(drainErr.failure).toBe("blocked");
      expect([...drainErr.pods].sort()).toEqual(["default/agent", "default/bare", "default/cache"]);
      for (const pod of ["agent", "bare", "cache"]) expect(drainErr.message).toContain(`default/${pod}`);
      expect((await h.podsOn("n1")).length).toBe(6);
    });

    it("with force and deleteEmptyDirData evicts all but DaemonSet, mirror and finished pods", async () => {
      await seedMix();
      const result = await h.operations.drain("n1", drainOptions({ force: true, deleteEmptyDirData: true }));
      expect([...result.evicted].sort()).toEqual(["default/bare", "default/cache", "default/web"]);
      expect([...result.skipped].sort()).toEqual(["default/agent", "default/done", "default/static"]);
      expect(result.pdbRetries).toBe(0);
      expect((await h.podsOn("n1")).sort()).toEqual(["default/agent", "default/done", "default/static"]);
      expect(await h.podsOn("n2")).toEqual(["default/elsewhere"]);
    });

    it("retries an eviction a PodDisruptionBudget refuses until the budget allows it", async () => {
      await h.addNode("n1", {});
      await h.addPod(testPod({ name: "db", node: "n1" }), { pdbBlocked: true });
      const drained = h.operations.drain("n1", drainOptions());
      await new Promise((r) => setTimeout(r, 300));
      expect(await h.podsOn("n1")).toEqual(["default/db"]);
      await h.releasePdb("db");
      const result = await drained;
      expect(result.evicted).toEqual(["default/db"]);
      expect(result.pdbRetries).toBeGreaterThan(0);
      expect(await h.podsOn("n1")).toEqual([]);
    });

    it("times out naming the pods a budget never let go", async () => {
      await h.addNode("n1", {});
      await h.addPod(testPod({ name: "db", node: "n1" }), { pdbBlocked: true });
      const started = Date.now();
      const err = (await rejection(h.operations.drain("n1", drainOptions({ timeoutMs: 400 })))) as DrainError;
      expect(Date.now() - started).toBeGreaterThanOrEqual(350);
      expect(err).toBeInstanceOf(DrainError);
      expect(err.failure).toBe("timeout");
      expect(err.pods).toEqual(["default/db"]);
      expect(err.message).toContain("default/db");
      expect(err.message).toContain("PodDisruptionBudget");
      expect(await h.podsOn("n1")).toEqual(["default/db"]);
    });

    it("stops when aborted", async () => {
      await h.addNode("n1", {});
      await h.addPod(testPod({ name: "db", node: "n1" }), { pdbBlocked: true });
      const controller = new AbortController();
      const drained = h.operations.drain("n1", drainOptions({ signal: controller.signal }));
      setTimeout(() => controller.abort(), 100);
      const err = (await rejection(drained)) as DrainError;
      expect(err).toBeInstanceOf(DrainError);
      expect(err.failure).toBe("aborted");
      expect(err.pods).toEqual(["default/db"]);
      const already = AbortSignal.abort();
      expect(await rejection(h.operations.drain("n1", drainOptions({ signal: already })))).toMatchObject({
        failure: "aborted",
      });
    });
  });

  describe("bootstrap tokens", () => {
    it("creates kubeadm-shaped tokens that expire by the clock, and deletes them", async () => {
      const token = await h.tokens.create({ description: "join batch", ttlMs: 3_600_500 });
      expect(token.id).toMatch(/^[a-z0-9]{6}$/);
      expect(token.secret).toMatch(/^[a-z0-9]{16}$/);
      expect(token.token).toBe(`${token.id}.${token.secret}`);
      expect(token.expiresAt.getTime()).toBe(Math.floor((h.now().getTime() + 3_600_500) / 1000) * 1000);
      expect(await h.storedTokens()).toEqual([
        { id: token.id, description: `ksp-agent ${h.identity}: join batch`, expiresAt: token.expiresAt },
      ]);
      const other = await h.tokens.create({ description: "second", ttlMs: 60_000 });
      expect(other.id).not.toBe(token.id);
      await h.tokens.delete(token.id);
      await h.tokens.delete(token.id);
      expect((await h.storedTokens()).map((t) => t.id)).toEqual([other.id]);
    });

    it("deleteExpired removes only its own expired tokens", async () => {
      const short = await h.tokens.create({ description: "short", ttlMs: 60_000 });
      const long = await h.tokens.create({ description: "long", ttlMs: 3_600_000 });
      await h.addForeignToken("abc123", new Date(h.now().getTime() + 30_000));
      expect(await h.tokens.deleteExpired()).toBe(0);
      h.advance(120_000);
      expect(await h.tokens.deleteExpired()).toBe(1);
      expect(await h.tokens.deleteExpired()).toBe(0);
      const left = (await h.storedTokens()).map((t) => t.id).sort();
      expect(left).toEqual(["abc123", long.id].sort());
      expect(left).not.toContain(short.id);
    });

    it("deleteOrphaned removes agents' tokens but the kept ones, expired or not, and nobody else's", async () => {
      const live = await h.tokens.create({ description: "live batch", ttlMs: 3_600_000 });
      const crashed = await h.tokens.create({ description: "batch before a crash", ttlMs: 3_600_000 });
      const former = await h.tokensAs("agent-old-1").create({ description: "batch", ttlMs: 3_600_000 });
      const expired = await h.tokensAs("agent-old-2").create({ description: "batch", ttlMs: 60_000 });
      await h.addForeignToken("abc123", new Date(h.now().getTime() + 3_600_000));
      h.advance(120_000);
      expect(await h.tokens.deleteOrphaned(new Set([live.id]))).toBe(3);
      expect(await h.tokens.deleteOrphaned(new Set([live.id]))).toBe(0);
      const left = (await h.storedTokens()).map((t) => t.id).sort();
      expect(left).toEqual(["abc123", live.id].sort());
      for (const gone of [crashed, former, expired]) expect(left).not.toContain(gone.id);
      // the former leader, should it lead again, clears the current one's
      expect(await h.tokensAs("agent-old-1").deleteOrphaned(new Set())).toBe(1);
      expect((await h.storedTokens()).map((t) => t.id)).toEqual(["abc123"]);
    });

    it("refuses to delete what is not a token id, without echoing it", async () => {
      const err = await rejection(h.tokens.delete("abcdef.0123456789abcdef"));
      expect(err).toBeInstanceOf(KubeError);
      expect((err as Error).message).not.toContain("0123456789abcdef");
    });
  });

  describe("cluster discovery", () => {
    it("answers the API endpoint and CA hash cluster-info publishes", async () => {
      const expected = await h.setClusterInfo("10.20.30.40:6443");
      expect(await h.discovery.discover()).toEqual(expected);
    });

    it("says what to configure when cluster-info is missing", async () => {
      await h.setClusterInfo(null);
      const err = await rejection(h.discovery.discover());
      expect(err).toBeInstanceOf(KubeError);
      expect(err).toMatchObject({ status: 404, message: CLUSTER_INFO_MISSING });
    });
  });
}
