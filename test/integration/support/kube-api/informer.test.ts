import { CoreV1Api, type ListWatch, makeInformer, type V1Node } from "@kubernetes/client-node";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { eventually } from "../../../support/harness/kube-api.ts";
import { type KubeApiServer, startKubeApiServer } from "../../../support/kube-api/index.ts";

describe("kube-api stand-in: makeInformer (list then watch)", () => {
  let kube: KubeApiServer;
  let core: CoreV1Api;

  beforeAll(async () => {
    kube = await startKubeApiServer();
    core = kube.kubeConfig().makeApiClient(CoreV1Api);
  });
  afterAll(() => kube.close());

  it("sees adds, updates and deletes, and relists after a 410 on reconnect", async () => {
    await core.createNode({ body: { metadata: { name: "pre-existing" } } });
    const informer = makeInformer<V1Node>(kube.kubeConfig(), "/api/v1/nodes", () => core.listNode());
    const log: string[] = [];
    const errors: unknown[] = [];
    informer.on("add", (n) => log.push(`add:${n.metadata?.name}`));
    informer.on("update", (n) => log.push(`update:${n.metadata?.name}:${n.spec?.unschedulable ?? false}`));
    informer.on("delete", (n) => log.push(`delete:${n.metadata?.name}`));
    informer.on("error", (e) => errors.push(e));
    await informer.start();
    try {
      expect(log).toEqual(["add:pre-existing"]);
      await core.createNode({ body: { metadata: { name: "n1" } } });
      await core.replaceNode({
        name: "n1",
        body: { metadata: { name: "n1" }, spec: { unschedulable: true } },
      });
      await core.createNode({ body: { metadata: { name: "n2" } } });
      await core.deleteNode({ name: "pre-existing" });
      await eventually(() =>
        expect(log).toEqual([
          "add:pre-existing",
          "add:n1",
          "update:n1:true",
          "add:n2",
          "delete:pre-existing",
        ]),
      );
      expect(
        informer
          .list()
          .map((n) => n.metadata?.name)
          .sort(),
      ).toEqual(["n1", "n2"]);
      // makeInformer returns a ListWatch, whose public type hides latestResourceVersion().
      expect((informer as unknown as ListWatch<V1Node>).latestResourceVersion()).toBe(
        String(kube.store.resourceVersion),
      );

      // The informer's last version is compacted away while it is disconnected: it must get
      // 410, relist, and reconcile the change it missed (n2 deleted).
      // All synchronous, so the changes land between the drop and the informer's re-watch.
      const listsBefore = kube.requests.filter((r) => r.path === "/api/v1/nodes").length;
      kube.dropWatches();
      kube.store.delete("nodes", undefined, "n2");
      kube.store.create("nodes", undefined, { metadata: { name: "n3" } });
      kube.store.compact();
      await eventually(() =>
        expect(
          informer
            .list()
            .map((n) => n.metadata?.name)
            .sort(),
        ).toEqual(["n1", "n3"]),
      );
      expect(log).toContain("delete:n2");
      expect(log).toContain("add:n3");
      expect(kube.requests.filter((r) => r.path === "/api/v1/nodes").length).toBe(listsBefore + 1);
      expect(errors).toEqual([]);
      // And it is watching again after the relist.
      await core.createNode({ body: { metadata: { name: "n4" } } });
      await eventually(() => expect(log.at(-1)).toBe("add:n4"));
    } finally {
      await informer.stop();
    }
  });
});
