import { CoreV1Api, type KubernetesObject, Watch } from "@kubernetes/client-node";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { eventually } from "../../../support/harness/kube-api.ts";
import { type KubeApiServer, startKubeApiServer } from "../../../support/kube-api/index.ts";

type Seen = {
  type: string;
  name?: string;
  rv?: string;
  obj: KubernetesObject & { code?: number; reason?: string };
};

describe("kube-api stand-in: watch", () => {
  let kube: KubeApiServer;
  let core: CoreV1Api;
  const aborts: AbortController[] = [];

  /** Starts a client-node Watch and collects its events; `ended` resolves with done()'s argument. */
  async function watch(path: string, query: Record<string, string | number | boolean>) {
    const seen: Seen[] = [];
    let finish: (err: unknown) => void = () => {};
    const ended = new Promise<unknown>((resolve) => {
      finish = resolve;
    });
    const ctl = await new Watch(kube.kubeConfig()).watch(
      path,
      query,
      (type, obj: Seen["obj"]) =>
        seen.push({ type, name: obj.metadata?.name, rv: obj.metadata?.resourceVersion, obj }),
      (err) => finish(err),
    );
    aborts.push(ctl);
    return { seen, ended };
  }

  beforeAll(async () => {
    kube = await startKubeApiServer({ bookmarkIntervalMs: 50 });
    core = kube.kubeConfig().makeApiClient(CoreV1Api);
  });
  afterEach(() => {
    for (const a of aborts.splice(0)) a.abort();
  });
  afterAll(() => kube.close());

  it("streams ADDED, MODIFIED and DELETED after the listed resourceVersion", async () => {
    const list = await core.listNode();
    const { seen } = await watch("/api/v1/nodes", { resourceVersion: list.metadata!.resourceVersion! });
    await core.createNode({ body: { metadata: { name: "w1" } } });
    await core.replaceNode({ name: "w1", body: { metadata: { name: "w1", labels: { a: "b" } } } });
    await core.deleteNode({ name: "w1" });
    await eventually(() =>
      expect(seen.map((e) => `${e.type}:${e.name}`)).toEqual(["ADDED:w1", "MODIFIED:w1", "DELETED:w1"]),
    );
    const rvs = seen.map((e) => Number(e.rv));
    expect(rvs).toEqual([...rvs].sort((a, b) => a - b));
  });

  it("replays retained history from an older resourceVersion, then continues live", async () => {
    const from = String(kube.store.resourceVersion);
    await core.createNamespacedConfigMap({ namespace: "default", body: { metadata: { name: "r1" } } });
    await core.createNamespacedConfigMap({ namespace: "default", body: { metadata: { name: "r2" } } });
    await core.deleteNamespacedConfigMap({ name: "r1", namespace: "default" });
    await core.createNode({ body: { metadata: { name: "unrelated" } } });
    const { seen } = await watch("/api/v1/namespaces/default/configmaps", { resourceVersion: from });
    await eventually(() =>
      expect(seen.map((e) => `${e.type}:${e.name}`)).toEqual(["ADDED:r1", "ADDED:r2", "DELETED:r1"]),
    );
    await core.createNamespacedConfigMap({ namespace: "default", body: { metadata: { name: "r3" } } });
    await core.createNamespacedConfigMap({
      namespace: "kube-system",
      body: { metadata: { name: "elsewhere" } },
    });
    await eventually(() => expect(seen.map((e) => e.name)).toEqual(["r1", "r2", "r1", "r3"]));
  });

  it("answers a resourceVersion older than the history window with an ERROR 410 Expired event", async () => {
    const old = String(kube.store.resourceVersion);
    await core.createNode({ body: { metadata: { name: "after-old" } } });
    kube.store.compact();
    const { seen, ended } = await watch("/api/v1/nodes", { resourceVersion: old });
    expect(await ended).toBeNull();
    expect(seen).toHaveLength(1);
    expect(seen[0]?.type).toBe("ERROR");
    expect(seen[0]?.obj).toMatchObject({ kind: "Status", status: "Failure", reason: "Expired", code: 410 });
  });

  it("turns selector entries and exits into ADDED and DELETED", async () => {
    const { seen } = await watch("/api/v1/nodes", {
      resourceVersion: String(kube.store.resourceVersion),
      labelSelector: "pool=gpu",
    });
    await core.createNode({ body: { metadata: { name: "s1", labels: { pool: "cpu" } } } });
    await core.replaceNode({ name: "s1", body: { metadata: { name: "s1", labels: { pool: "gpu" } } } });
    await core.replaceNode({
      name: "s1",
      body: { metadata: { name: "s1", labels: { pool: "gpu", x: "1" } } },
    });
    await core.replaceNode({ name: "s1", body: { metadata: { name: "s1", labels: { pool: "cpu" } } } });
    await core.deleteNode({ name: "s1" });
    await eventually(() => expect(seen.map((e) => e.type)).toEqual(["ADDED", "MODIFIED", "DELETED"]));
  });

  it("filters pod watches by field selector", async () => {
    const { seen } = await watch("/api/v1/pods", {
      resourceVersion: String(kube.store.resourceVersion),
      fieldSelector: "spec.nodeName=node-x",
    });
    const pod = (name: string, nodeName: string) => ({
      metadata: { name },
      spec: { nodeName, containers: [{ name: "c", image: "i" }] },
    });
    await core.createNamespacedPod({ namespace: "default", body: pod("on-y", "node-y") });
    await core.createNamespacedPod({ namespace: "default", body: pod("on-x", "node-x") });
    await eventually(() => expect(seen.map((e) => e.name)).toEqual(["on-x"]));
  });

  it("sends the current state as ADDED events when no resourceVersion is given", async () => {
    const { seen } = await watch("/api/v1/namespaces", {});
    await eventually(() =>
      expect(seen.map((e) => e.name)).toEqual(expect.arrayContaining(["default", "kube-system"])),
    );
    expect(seen.every((e) => e.type === "ADDED")).toBe(true);
  });

  it("sends BOOKMARK events when allowed and ends the stream after timeoutSeconds", async () => {
    const started = Date.now();
    const { seen, ended } = await watch("/api/v1/nodes", {
      resourceVersion: String(kube.store.resourceVersion),
      allowWatchBookmarks: true,
      timeoutSeconds: 1,
    });
    expect(await ended).toBeNull();
    expect(Date.now() - started).toBeGreaterThanOrEqual(900);
    const bookmarks = seen.filter((e) => e.type === "BOOKMARK");
    expect(bookmarks.length).toBeGreaterThan(2);
    expect(bookmarks[0]?.obj).toMatchObject({ kind: "Node", apiVersion: "v1" });
    expect(Number(bookmarks[0]?.rv)).toBe(kube.store.resourceVersion);
  });

  it("accepts watch=1 on a raw request and streams newline-delimited JSON", async () => {
    const ctl = new AbortController();
    aborts.push(ctl);
    const res = await fetch(
      `${kube.url}/api/v1/nodes?watch=1&resourceVersion=${kube.store.resourceVersion}`,
      {
        signal: ctl.signal,
      },
    );
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toBe("application/json");
    await core.createNode({ body: { metadata: { name: "raw" } } });
    const reader = res.body!.getReader();
    const { value } = await reader.read();
    const line = new TextDecoder().decode(value);
    expect(line.endsWith("\n")).toBe(true);
    expect(JSON.parse(line)).toMatchObject({
      type: "ADDED",
      object: { kind: "Node", metadata: { name: "raw" } },
    });
  });
});
