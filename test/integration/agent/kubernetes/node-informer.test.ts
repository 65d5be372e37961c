/**
 * The Node informer's resilience on the Kubernetes API stand-in: watches the
 * server ends (an API server restart), a 410 after compaction, errors that
 * stop client-node's ListWatch (here: the server turning the token away),
 * the periodic relist, and start/stop.
 */
import { afterEach, describe, expect, it } from "vitest";
import { KubeError } from "../../../../agent/kubernetes/kube-error.ts";
import { createNodeInformer } from "../../../../agent/kubernetes/node-informer.ts";
import type { NodeInformer } from "../../../../agent/kubernetes/types.ts";
import { createLogger } from "../../../../shared/logger.ts";
import { nodeObject } from "../../../support/agent/kube-harness.ts";
import { eventually } from "../../../support/eventually.ts";
import { type KubeApiServer, startKubeApiServer } from "../../../support/kube-api/index.ts";

describe("Node informer on the API stand-in", () => {
  let kube: KubeApiServer;
  let informer: NodeInformer | undefined;
  let logs: Record<string, unknown>[];

  const start = async (options: { resyncMs?: number; token?: string } = {}) => {
    logs = [];
    const logger = createLogger({ level: "debug", sink: (line) => logs.push(JSON.parse(line)) });
    informer = createNodeInformer(kube.kubeConfig(options.token), {
      logger,
      retry: { baseMs: 20, maxMs: 100 },
      ...(options.resyncMs ? { resyncMs: options.resyncMs } : {}),
    });
    await informer.start();
    return informer;
  };
  const names = () =>
    informer!
      .list()
      .map((n) => n.name)
      .sort();
  const nodeLists = () =>
    kube.requests.filter((r) => r.method === "GET" && r.path === "/api/v1/nodes").length;

  afterEach(async () => {
    await informer?.stop();
    informer = undefined;
    await kube?.close();
  });

  it("keeps watching after the server ends every watch, without relisting", async () => {
    kube = await startKubeApiServer();
    kube.store.create("nodes", undefined, nodeObject("n1", {}));
    await start();
    expect(nodeLists()).toBe(1);
    kube.dropWatches();
    kube.store.create("nodes", undefined, nodeObject("n2", { providerId: "ksp://m2" }));
    await eventually(() => expect(names()).toEqual(["n1", "n2"]));
    kube.dropWatches();
    await new Promise((r) => setTimeout(r, 50));
    kube.store.delete("nodes", undefined, "n1");
    await eventually(() => expect(names()).toEqual(["n2"]));
    expect(informer!.byProviderId("ksp://m2")?.name).toBe("n2");
    expect(nodeLists()).toBe(1);
  });

  it("relists after a 410 and takes in what it missed, including a recreated Node's providerID", async () => {
    kube = await startKubeApiServer();
    kube.store.create("nodes", undefined, nodeObject("n1", { providerId: "ksp://old" }));
    kube.store.create("nodes", undefined, nodeObject("n2", {}));
    await start();
    let told = 0;
    informer!.subscribe(() => {
      told += 1;
    });
    // All synchronous: the changes land between the drop and the re-watch, which then gets 410.
    kube.dropWatches();
    kube.store.delete("nodes", undefined, "n1");
    kube.store.create("nodes", undefined, nodeObject("n1", { providerId: "ksp://new" }));
    kube.store.delete("nodes", undefined, "n2");
    kube.store.create("nodes", undefined, nodeObject("n3", {}));
    kube.store.compact();
    await eventually(() => expect(names()).toEqual(["n1", "n3"]));
    expect(informer!.byProviderId("ksp://new")?.name).toBe("n1");
    expect(informer!.byProviderId("ksp://old")).toBeUndefined();
    expect(nodeLists()).toBe(2);
    expect(told).toBeGreaterThan(0);
    // and it watches again after the relist
    kube.store.create("nodes", undefined, nodeObject("n4", {}));
    await eventually(() => expect(names()).toEqual(["n1", "n3", "n4"]));
  });

  it("restarts with backoff after errors that stop client-node's ListWatch", async () => {
    kube = await startKubeApiServer({ requireToken: "agent-token" });
    await start({ token: "agent-token" });
    kube.setAcceptedTokens(["someone-else"]);
    kube.dropWatches();
    await eventually(() => {
      const refused = kube.requests.filter((r) => r.path.startsWith("/api/v1/nodes") && r.status === 401);
      expect(refused.length).toBeGreaterThanOrEqual(3);
    });
    expect(logs.some((l) => l.level === "warn" && l.msg === "Node watch failed; restarting")).toBe(true);
    const delays = logs
      .filter((l) => l.msg === "Node watch failed; restarting")
      .map((l) => l.delayMs as number);
    expect(delays.slice(0, 3)).toEqual([20, 40, 80]);
    kube.setAcceptedTokens(["agent-token"]);
    kube.store.create("nodes", undefined, nodeObject("after", {}));
    await eventually(() => expect(names()).toEqual(["after"]));
    kube.store.create("nodes", undefined, nodeObject("again", {}));
    await eventually(() => expect(names()).toEqual(["after", "again"]));
  });

  it("relists every resyncMs and stays correct", async () => {
    kube = await startKubeApiServer();
    kube.store.create("nodes", undefined, nodeObject("n1", {}));
    await start({ resyncMs: 100 });
    let told = 0;
    informer!.subscribe(() => {
      told += 1;
    });
    await eventually(() => {
      expect(nodeLists()).toBeGreaterThanOrEqual(3);
      expect(told).toBeGreaterThanOrEqual(2);
    });
    kube.store.create("nodes", undefined, nodeObject("n2", {}));
    await eventually(() => expect(names()).toEqual(["n1", "n2"]));
    // and the watch of the newest list is live
    kube.store.update("nodes", undefined, "n2", {
      ...kube.store.get("nodes", undefined, "n2"),
      metadata: { name: "n2", labels: { changed: "yes" } },
    });
    await eventually(() => expect(informer!.byName("n2")?.labels).toEqual({ changed: "yes" }));
  });

  it("rejects start() when the first list fails, with a KubeError", async () => {
    kube = await startKubeApiServer({ requireToken: "agent-token" });
    const err = await start({ token: "wrong" }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(KubeError);
    expect(err).toMatchObject({ status: 401 });
    expect(informer!.synced()).toBe(false);
  });

  it("stops watching on stop()", async () => {
    kube = await startKubeApiServer();
    await start();
    await informer!.stop();
    kube.store.create("nodes", undefined, nodeObject("late", {}));
    await new Promise((r) => setTimeout(r, 100));
    expect(informer!.byName("late")).toBeUndefined();
    expect(informer!.synced()).toBe(false);
  });
});
