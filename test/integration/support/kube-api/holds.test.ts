import { CoreV1Api } from "@kubernetes/client-node";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type KubeApiServer, startKubeApiServer } from "../../../support/kube-api/index.ts";

describe("kube-api stand-in: held requests", () => {
  let kube: KubeApiServer;
  let core: CoreV1Api;

  beforeAll(async () => {
    kube = await startKubeApiServer();
    core = kube.kubeConfig().makeApiClient(CoreV1Api);
  });
  afterAll(() => kube?.close());

  it("keeps matching requests unanswered until released, and lets the others through", async () => {
    await core.createNode({ body: { metadata: { name: "held" } } });
    await core.createNode({ body: { metadata: { name: "free" } } });
    const hold = kube.hold({ method: "DELETE", path: /\/api\/v1\/nodes\/held$/ });
    let deleted = false;
    const deleting = core.deleteNode({ name: "held" }).then(() => {
      deleted = true;
    });
    await hold.waitHeld(1, 5_000);
    expect(hold.held()).toBe(1);
    // not matched: the method differs, or the path does
    expect((await core.readNode({ name: "held" })).metadata?.name).toBe("held");
    await core.deleteNode({ name: "free" });
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(deleted).toBe(false);
    expect(kube.store.list("nodes", {}).items.map((n) => n.metadata.name)).toContain("held");

    hold.release();
    await deleting;
    expect(deleted).toBe(true);
    expect(hold.held()).toBe(0);
    expect(kube.store.list("nodes", {}).items).toEqual([]);
  });

  it("times out waiting for a request that never comes", async () => {
    const hold = kube.hold({ method: "POST", path: /\/never$/ });
    await expect(hold.waitHeld(1, 100)).rejects.toThrow(/no 1 POST/);
    hold.release();
  });
});
