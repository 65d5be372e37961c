import {
  CoordinationV1Api,
  CoreV1Api,
  type KubernetesObject,
  KubernetesObjectApi,
  PolicyV1Api,
  type V1ConfigMap,
  type V1Node,
} from "@kubernetes/client-node";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { apiError } from "../../../support/harness/kube-api.ts";
import { type KubeApiServer, startKubeApiServer } from "../../../support/kube-api/index.ts";

describe("kube-api stand-in: CRUD", () => {
  let kube: KubeApiServer;
  let core: CoreV1Api;

  beforeAll(async () => {
    kube = await startKubeApiServer();
    core = kube.kubeConfig().makeApiClient(CoreV1Api);
  });
  afterAll(() => kube.close());

  it("serves default and kube-system namespaces and creates new ones", async () => {
    const names = (await core.listNamespace()).items.map((n) => n.metadata?.name);
    expect(names).toEqual(expect.arrayContaining(["default", "kube-system"]));
    const ns = await core.createNamespace({ body: { metadata: { name: "team-a" } } });
    expect(ns.status?.phase).toBe("Active");
    expect((await core.readNamespace({ name: "team-a" })).metadata?.uid).toBe(ns.metadata?.uid);
  });

  it("creates a node with uid, creationTimestamp, generation and a global resourceVersion", async () => {
    const before = kube.store.resourceVersion;
    const node = await core.createNode({ body: { metadata: { name: "node-1", labels: { pool: "a" } } } });
    expect(node.kind).toBe("Node");
    expect(node.metadata?.uid).toMatch(/^[0-9a-f-]{36}$/);
    expect(node.metadata?.creationTimestamp).toBeInstanceOf(Date);
    expect(node.metadata?.generation).toBe(1);
    expect(Number(node.metadata?.resourceVersion)).toBe(before + 1);
    const cm = await core.createNamespacedConfigMap({
      namespace: "default",
      body: { metadata: { name: "c1" } },
    });
    expect(Number(cm.metadata?.resourceVersion)).toBe(before + 2);
  });

  it("answers 409 AlreadyExists on a duplicate create and 404 NotFound on a missing get", async () => {
    await core.createNode({ body: { metadata: { name: "dup" } } });
    const dup = await apiError(core.createNode({ body: { metadata: { name: "dup" } } }), 409);
    expect(dup).toMatchObject({ reason: "AlreadyExists", message: 'nodes "dup" already exists' });
    expect(dup.details).toEqual({ name: "dup", kind: "nodes" });
    const missing = await apiError(core.readNode({ name: "nope" }), 404);
    expect(missing).toMatchObject({ reason: "NotFound", message: 'nodes "nope" not found' });
  });

  it("generates names from generateName and rejects objects with neither (422)", async () => {
    const a = await core.createNamespacedSecret({
      namespace: "default",
      body: { metadata: { generateName: "tok-" } },
    });
    expect(a.metadata?.name).toMatch(/^tok-[bcdfghjklmnpqrstvwxz2456789]{5}$/);
    const invalid = await apiError(
      core.createNamespacedSecret({ namespace: "default", body: { metadata: {} } }),
      422,
    );
    expect(invalid.reason).toBe("Invalid");
    expect(invalid.details?.causes?.[0]?.field).toBe("metadata.name");
  });

  it("refuses creates in a namespace that does not exist", async () => {
    const err = await apiError(
      core.createNamespacedConfigMap({ namespace: "ghost", body: { metadata: { name: "x" } } }),
      404,
    );
    expect(err.message).toBe('namespaces "ghost" not found');
  });

  it("replaces with optimistic concurrency: a stale resourceVersion is 409 Conflict", async () => {
    const created = await core.createNamespacedConfigMap({
      namespace: "default",
      body: { metadata: { name: "cfg" }, data: { a: "1" } },
    });
    const updated = await core.replaceNamespacedConfigMap({
      name: "cfg",
      namespace: "default",
      body: { ...created, data: { a: "2" } } as V1ConfigMap,
    });
    expect(updated.data).toEqual({ a: "2" });
    expect(Number(updated.metadata?.resourceVersion)).toBeGreaterThan(
      Number(created.metadata?.resourceVersion),
    );
    const stale = await apiError(
      core.replaceNamespacedConfigMap({
        name: "cfg",
        namespace: "default",
        body: { ...created, data: { a: "3" } },
      }),
      409,
    );
    expect(stale.reason).toBe("Conflict");
    expect(stale.message).toBe(
      'Operation cannot be fulfilled on configmaps "cfg": the object has been modified; ' +
        "please apply your changes to the latest version and try again",
    );
    expect((await core.readNamespacedConfigMap({ name: "cfg", namespace: "default" })).data).toEqual({
      a: "2",
    });
  });

  it("keeps status out of main-resource updates and spec out of /status updates", async () => {
    const node = await core.createNode({
      body: { metadata: { name: "node-s" }, spec: { unschedulable: false } },
    });
    const withStatus: V1Node = { ...node, status: { conditions: [{ type: "Ready", status: "True" }] } };
    const afterStatus = await core.replaceNodeStatus({ name: "node-s", body: withStatus });
    expect(afterStatus.status?.conditions?.[0]?.status).toBe("True");
    const cordoned = await core.replaceNode({
      name: "node-s",
      body: { ...afterStatus, spec: { unschedulable: true }, status: {} },
    });
    expect(cordoned.spec?.unschedulable).toBe(true);
    expect(cordoned.status?.conditions?.[0]?.status).toBe("True");
    expect(cordoned.metadata?.generation).toBe(2);
    const statusOnly = await core.replaceNodeStatus({
      name: "node-s",
      body: { ...cordoned, spec: { unschedulable: false }, status: { phase: "Running" } },
    });
    expect(statusOnly.spec?.unschedulable).toBe(true);
    expect(statusOnly.status?.phase).toBe("Running");
  });

  it("does not bump the resourceVersion for an update that changes nothing", async () => {
    const cm = await core.createNamespacedConfigMap({
      namespace: "default",
      body: { metadata: { name: "same" } },
    });
    const again = await core.replaceNamespacedConfigMap({ name: "same", namespace: "default", body: cm });
    expect(again.metadata?.resourceVersion).toBe(cm.metadata?.resourceVersion);
  });

  it("deletes: pods return the object, other kinds a Success Status; absent objects 404", async () => {
    await core.createNamespacedPod({
      namespace: "default",
      body: { metadata: { name: "p1" }, spec: { containers: [{ name: "c", image: "busybox" }] } },
    });
    const pod = await core.deleteNamespacedPod({ name: "p1", namespace: "default" });
    expect(pod.metadata?.name).toBe("p1");
    expect(pod.status?.phase).toBe("Pending");
    await core.createNamespacedSecret({
      namespace: "default",
      body: { metadata: { name: "s1" }, type: "Opaque" },
    });
    const status = await core.deleteNamespacedSecret({ name: "s1", namespace: "default" });
    expect(status).toMatchObject({
      kind: "Status",
      status: "Success",
      details: { name: "s1", kind: "secrets" },
    });
    await apiError(core.deleteNamespacedSecret({ name: "s1", namespace: "default" }), 404);
    await apiError(core.readNamespacedPod({ name: "p1", namespace: "default" }), 404);
  });

  it("does CRUD on coordination.k8s.io Leases and policy/v1 PodDisruptionBudgets", async () => {
    const coord = kube.kubeConfig().makeApiClient(CoordinationV1Api);
    const lease = await coord.createNamespacedLease({
      namespace: "kube-system",
      body: { metadata: { name: "ksp-agent" }, spec: { holderIdentity: "a", leaseDurationSeconds: 15 } },
    });
    expect(lease.apiVersion).toBe("coordination.k8s.io/v1");
    const missing = await apiError(
      coord.readNamespacedLease({ name: "other", namespace: "kube-system" }),
      404,
    );
    expect(missing.message).toBe('leases.coordination.k8s.io "other" not found');
    expect(missing.details).toEqual({ name: "other", group: "coordination.k8s.io", kind: "leases" });
    const policy = kube.kubeConfig().makeApiClient(PolicyV1Api);
    const pdb = await policy.createNamespacedPodDisruptionBudget({
      namespace: "default",
      body: {
        metadata: { name: "web" },
        spec: { minAvailable: 1, selector: { matchLabels: { app: "web" } } },
      },
    });
    expect(pdb.spec?.minAvailable).toBe(1);
    const list = await policy.listNamespacedPodDisruptionBudget({ namespace: "default" });
    expect(list.items.map((p) => p.metadata?.name)).toEqual(["web"]);
    expect(Number(list.metadata?.resourceVersion)).toBe(kube.store.resourceVersion);
    await policy.deleteNamespacedPodDisruptionBudget({ name: "web", namespace: "default" });
    expect(kube.store.list("poddisruptionbudgets").items).toHaveLength(0);
  });

  it("serves discovery, so KubernetesObjectApi works against it", async () => {
    const objects = KubernetesObjectApi.makeApiClient(kube.kubeConfig());
    const created = await objects.create({
      apiVersion: "coordination.k8s.io/v1",
      kind: "Lease",
      metadata: { name: "generic", namespace: "default" },
      spec: { holderIdentity: "x" },
    });
    expect((created as KubernetesObject).metadata?.resourceVersion).toMatch(/^\d+$/);
    const read = await objects.read({
      apiVersion: "v1",
      kind: "Namespace",
      metadata: { name: "kube-system" },
    });
    expect(read.kind).toBe("Namespace");
    const version = await (await fetch(`${kube.url}/version`)).json();
    expect(version).toMatchObject({ major: "1" });
  });

  it("pages lists with limit and continue", async () => {
    // A namespace of its own: kube-public holds cluster-info.
    await core.createNamespace({ body: { metadata: { name: "paging" } } });
    for (const n of ["pg-a", "pg-b", "pg-c"]) {
      await core.createNamespacedConfigMap({ namespace: "paging", body: { metadata: { name: n } } });
    }
    const first = await core.listNamespacedConfigMap({ namespace: "paging", limit: 2 });
    expect(first.items.map((i) => i.metadata?.name)).toEqual(["pg-a", "pg-b"]);
    expect(first.metadata?.remainingItemCount).toBe(1);
    const rest = await core.listNamespacedConfigMap({
      namespace: "paging",
      limit: 2,
      _continue: first.metadata?._continue,
    });
    expect(rest.items.map((i) => i.metadata?.name)).toEqual(["pg-c"]);
    expect(rest.metadata?._continue).toBeUndefined();
  });
});
