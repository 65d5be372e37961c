/**
 * Node Events on the Kubernetes API stand-in: the stand-in serves core/v1
 * Events (generateName, field selectors on the involved object), and the
 * agent's adapter records one per call in `default`, naming the Node by
 * name and uid, with the reporter and a bounded message.
 */
import { CoreV1Api } from "@kubernetes/client-node";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { KubeError } from "../../../../agent/kubernetes/kube-error.ts";
import { createNodeEvents, NODE_EVENT_NAMESPACE } from "../../../../agent/kubernetes/node-events.ts";
import { createLogger } from "../../../../shared/logger.ts";
import { type KubeApiServer, startKubeApiServer } from "../../../support/kube-api/index.ts";

describe("node events on the API stand-in", () => {
  let kube: KubeApiServer;
  let core: CoreV1Api;
  const clock = { now: () => new Date("2026-03-01T10:00:00Z") };

  beforeAll(async () => {
    kube = await startKubeApiServer();
    core = kube.kubeConfig().makeApiClient(CoreV1Api);
  });
  afterAll(() => kube.close());

  it("serves Events: created with generateName, listed by involvedObject field selectors", async () => {
    const created = await core.createNamespacedEvent({
      namespace: "default",
      body: {
        metadata: { generateName: "n1." },
        involvedObject: { kind: "Node", name: "n1", uid: "u-1" },
        reason: "Test",
        message: "hello",
        type: "Normal",
      },
    });
    expect(created.metadata?.name).toMatch(/^n1\.[a-z0-9]{5}$/);
    await core.createNamespacedEvent({
      namespace: "default",
      body: { metadata: { name: "other" }, involvedObject: { kind: "Pod", name: "p" }, reason: "X" },
    });
    const forNode = await core.listNamespacedEvent({
      namespace: "default",
      fieldSelector: "involvedObject.kind=Node,involvedObject.name=n1",
    });
    expect(forNode.items.map((e) => e.reason)).toEqual(["Test"]);
  });

  it("records a Warning on the Node in default, with the reporter", async () => {
    const node = await core.createNode({ body: { metadata: { name: "zombie-1" } } });
    const events = createNodeEvents(core, {
      identity: "agent-0",
      clock,
      logger: createLogger({ level: "error" }),
    });
    await events.record(
      { name: "zombie-1", uid: node.metadata!.uid! },
      { reason: "KspZombieNode", message: "x".repeat(5000), type: "Warning" },
    );
    const stored = kube.store
      .list("events", { namespace: NODE_EVENT_NAMESPACE })
      .items.filter((e) => (e.involvedObject as { name?: string }).name === "zombie-1");
    expect(stored).toHaveLength(1);
    expect(stored[0]).toMatchObject({
      involvedObject: { apiVersion: "v1", kind: "Node", name: "zombie-1", uid: node.metadata!.uid },
      reason: "KspZombieNode",
      type: "Warning",
      count: 1,
      source: { component: "ksp-agent" },
      reportingComponent: "ksp-agent",
      reportingInstance: "agent-0",
    });
    expect(String(stored[0]!.firstTimestamp)).toMatch(/^2026-03-01T10:00:00/);
    expect((stored[0]!.message as string).length).toBe(1024);
  });

  it("rejects with a KubeError naming the event when the API refuses", async () => {
    const events = createNodeEvents(
      {
        createNamespacedEvent: () =>
          core.createNamespacedEvent({ namespace: "no-such-ns-!", body: {} as never }),
      },
      { identity: "agent-0", clock, logger: createLogger({ level: "error" }) },
    );
    const err = await events
      .record({ name: "n", uid: "u" }, { reason: "KspZombieNode", message: "m", type: "Warning" })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(KubeError);
    expect((err as KubeError).message).toMatch(/^cannot record event KspZombieNode on node n: HTTP 4\d\d/);
  });
});
