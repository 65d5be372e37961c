/** DeleteNodes and DecreaseTargetSize: what each may touch, the errors naming nodes, the target at once. */
import { afterEach, describe, expect, it } from "vitest";
import type { CaNode } from "../../../agent/cloud-provider/types.ts";
import type { TransitionItem } from "../../../proto/agent-api.ts";
import { fixtureMachine, fixtureMachines, fixturePool } from "../../support/agent/fixtures.ts";
import { type FakeAgent, startFakeAgent } from "../../support/agent/harness.ts";

const agents: FakeAgent[] = [];
afterEach(async () => {
  await Promise.all(agents.splice(0).map((a) => a.stop()));
});

const FAKE_NODE_ANNOTATION = "k8s.io/cluster-autoscaler/fake-node-reason";
const realNode = (m: { nodeName: string | null; providerId: string | null }): CaNode => ({
  name: m.nodeName ?? "",
  providerId: m.providerId ?? "",
  labels: {},
  annotations: {},
});
const fakeNode = (m: { providerId: string | null }): CaNode => ({
  name: m.providerId!,
  providerId: m.providerId!,
  labels: {},
  annotations: { [FAKE_NODE_ANNOTATION]: "unregistered" },
});

async function setup(opts: { minSize?: number } = {}) {
  const web = fixturePool({ name: "web", minSize: opts.minSize ?? 0 });
  const other = fixturePool({ name: "other" });
  const ready = fixtureMachines(3, { poolId: web.id, status: "ready" });
  const reservedOld = fixtureMachine({
    poolId: web.id,
    status: "reserved",
    statusChangedAt: "2026-01-01T00:00:00Z",
  });
  const reservedNew = fixtureMachine({
    poolId: web.id,
    status: "reserved",
    statusChangedAt: "2026-01-02T00:00:00Z",
  });
  const joining = fixtureMachine({
    poolId: web.id,
    status: "joining",
    statusChangedAt: "2026-01-03T00:00:00Z",
  });
  const failed = fixtureMachine({ poolId: web.id, status: "fault", lastError: "join failed" });
  const otherReady = fixtureMachine({ poolId: other.id, status: "ready" });
  const agent = await startFakeAgent({
    pools: [web, other],
    machines: [...ready, reservedOld, reservedNew, joining, failed, otherReady],
  });
  agents.push(agent);
  return {
    agent,
    service: agent.service,
    fake: agent.fake,
    ready,
    reservedOld,
    reservedNew,
    joining,
    failed,
    otherReady,
  };
}

const sentTransitions = (agent: FakeAgent) =>
  agent.fake.calls.filter((c) => c.method === "transitions").flatMap((c) => c.args as TransitionItem[]);

describe("DeleteNodes", () => {
  it("drains registered nodes write-ahead and decrements the target at once", async () => {
    const { agent, service, fake, ready } = await setup();
    expect(service.targetSize("web")).toBe(6);
    const release = fake.holdStateAnswers();
    await service.deleteNodes("web", [realNode(ready[0]!), realNode(ready[1]!)]);
    expect(service.targetSize("web")).toBe(4);
    release();
    expect(sentTransitions(agent)).toEqual([
      expect.objectContaining({ machineId: ready[0]!.id, from: "ready", to: "draining", expectedVersion: 1 }),
      expect.objectContaining({ machineId: ready[1]!.id, from: "ready", to: "draining", expectedVersion: 1 }),
    ]);
    expect(fake.machine(ready[0]!.id).status).toBe("draining");
    const states = service.nodes("web").filter((n) => n.state === "deleting");
    expect(states).toHaveLength(2);
  });

  it("cancels unregistered instances given as fake nodes, and forgets failed ones without a call", async () => {
    const { agent, service, fake, reservedOld, joining, failed } = await setup();
    await service.deleteNodes("web", [fakeNode(reservedOld), fakeNode(joining), fakeNode(failed)]);
    expect(sentTransitions(agent)).toEqual([
      expect.objectContaining({ machineId: reservedOld.id, from: "reserved", to: "available" }),
      // SSH may have reached it: the reconciler resets the host before it is free again
      expect.objectContaining({ machineId: joining.id, from: "joining", to: "leaving" }),
    ]);
    expect(fake.machine(reservedOld.id).status).toBe("available");
    expect(fake.machine(joining.id).status).toBe("leaving");
    expect(fake.machine(failed.id).status).toBe("fault");
    const ids = service.nodes("web").map((n) => n.id);
    expect(ids).not.toContain(reservedOld.providerId);
    expect(ids).not.toContain(failed.providerId);
    expect(service.nodes("web").find((n) => n.id === joining.providerId)?.state).toBe("deleting");
    expect(service.targetSize("web")).toBe(4);
    await service.refresh();
    expect(service.nodes("web").map((n) => n.id)).not.toContain(failed.providerId);
  });

  it("names unknown, foreign and duplicate nodes in one InvalidArgument and changes nothing", async () => {
    const { agent, service, ready, otherReady } = await setup();
    const unknown: CaNode = { name: "stranger", providerId: "kind://x", labels: {}, annotations: {} };
    await expect(
      service.deleteNodes("web", [realNode(ready[0]!), unknown, realNode(otherReady), realNode(ready[0]!)]),
    ).rejects.toMatchObject({
      code: "invalid_argument",
      message: expect.stringMatching(
        new RegExp(
          `not in this node group: stranger, ${otherReady.nodeName}; listed more than once: ${ready[0]!.nodeName}`,
        ),
      ),
    });
    // a node found by providerID and the same node found by name are one node
    const byName: CaNode = { name: ready[1]!.nodeName!, providerId: "", labels: {}, annotations: {} };
    await expect(service.deleteNodes("web", [realNode(ready[1]!), byName])).rejects.toMatchObject({
      code: "invalid_argument",
      message: expect.stringContaining("listed more than once"),
    });
    await expect(service.deleteNodes("web", [])).rejects.toMatchObject({ code: "invalid_argument" });
    await expect(service.deleteNodes("nope", [realNode(ready[0]!)])).rejects.toMatchObject({
      code: "not_found",
    });
    expect(sentTransitions(agent)).toHaveLength(0);
  });

  it("refuses to go below the minimum", async () => {
    const { agent, service, ready } = await setup({ minSize: 5 });
    await service.deleteNodes("web", [realNode(ready[0]!)]);
    await expect(service.deleteNodes("web", [realNode(ready[1]!)])).rejects.toMatchObject({
      code: "failed_precondition",
      message: expect.stringContaining("would leave 4, below the minimum 5"),
    });
    expect(sentTransitions(agent)).toHaveLength(1);
  });

  it("names machines the control plane refused, keeps the ones it accepted", async () => {
    const { agent, service, fake, ready } = await setup();
    fake.change((f) => {
      // an operator took it out of service behind our back: nothing CA may do with it now
      Object.assign(f.machine(ready[1]!.id), { status: "maintenance", version: 9 });
    });
    await expect(
      service.deleteNodes("web", [realNode(ready[0]!), realNode(ready[1]!)]),
    ).rejects.toMatchObject({
      code: "failed_precondition",
      message: expect.stringContaining(`refused 1 of 2 machines: ${ready[1]!.nodeName} (stale_version`),
    });
    expect(fake.machine(ready[0]!.id).status).toBe("draining");
    expect(service.nodes("web").find((n) => n.id === ready[0]!.providerId)?.state).toBe("deleting");
    expect(sentTransitions(agent)).toHaveLength(2);
  });

  it("treats a replay whose first answer was lost as done, and nodes already deleting as no-ops", async () => {
    const { service, fake, ready } = await setup();
    await service.deleteNodes("web", [realNode(ready[0]!)]);
    await service.deleteNodes("web", [realNode(ready[0]!)]); // already draining: nothing to do
    // the control plane applied it, but we never heard: stale_version with actualStatus = draining counts as done
    fake.change((f) => {
      const m = f.machine(ready[2]!.id);
      m.status = "draining";
      m.version++;
    });
    await expect(service.deleteNodes("web", [realNode(ready[2]!)])).resolves.toBeUndefined();
    expect(service.nodes("web").find((n) => n.id === ready[2]!.providerId)?.state).toBe("deleting");
  });

  it("deletes a fake node whose machine registered meanwhile: it drains", async () => {
    const { agent, service, fake, joining } = await setup();
    fake.change((f) => {
      const m = f.machine(joining.id);
      m.status = "ready";
      m.version++;
    });
    await service.deleteNodes("web", [fakeNode(joining)]);
    expect(sentTransitions(agent).map((t) => [t.from, t.to])).toEqual([
      ["joining", "leaving"],
      ["ready", "draining"],
    ]);
    expect(fake.machine(joining.id).status).toBe("draining");
  });

  it("is Unavailable on a non-leader and when the control plane is down", async () => {
    const { agent, service, fake, ready } = await setup();
    agent.leadership.leader = false;
    await expect(service.deleteNodes("web", [realNode(ready[0]!)])).rejects.toMatchObject({
      code: "unavailable",
    });
    agent.leadership.leader = true;
    fake.setOutage(true);
    await expect(service.deleteNodes("web", [realNode(ready[0]!)])).rejects.toMatchObject({
      code: "unavailable",
    });
    expect(service.targetSize("web")).toBe(6);
  });
});

describe("DecreaseTargetSize", () => {
  it("cancels reserved machines first, newest first, then joining ones", async () => {
    const { agent, service, fake, reservedOld, reservedNew, joining } = await setup();
    await service.decreaseTargetSize("web", -1);
    expect(sentTransitions(agent).map((t) => t.machineId)).toEqual([reservedNew.id]);
    expect(service.targetSize("web")).toBe(5);
    await service.decreaseTargetSize("web", -2);
    expect(sentTransitions(agent).map((t) => t.machineId)).toEqual([
      reservedNew.id,
      reservedOld.id,
      joining.id,
    ]);
    // reserved machines were never touched; a joining one may have been, so it leaves through a reset
    expect(fake.machine(reservedNew.id).status).toBe("available");
    expect(fake.machine(joining.id).status).toBe("leaving");
    expect(service.nodes("web").find((n) => n.id === joining.providerId)?.state).toBe("deleting");
    expect(service.targetSize("web")).toBe(3);
  });

  it("follows a machine the reconciler moved meanwhile: reserved became joining, so it leaves through a reset", async () => {
    const { agent, service, fake, reservedNew } = await setup();
    // the reconciler's reserved → joining reached the control plane, not yet this view
    fake.change((f) => {
      const m = f.machine(reservedNew.id);
      m.status = "joining";
      m.version++;
    });
    await service.decreaseTargetSize("web", -1);
    expect(sentTransitions(agent)).toEqual([
      expect.objectContaining({ machineId: reservedNew.id, from: "reserved", to: "available" }),
      expect.objectContaining({ machineId: reservedNew.id, from: "joining", to: "leaving" }),
    ]);
    expect(fake.machine(reservedNew.id).status).toBe("leaving");
  });

  it("refuses a machine that registered meanwhile: DecreaseTargetSize never reaches a node", async () => {
    const { service, fake, reservedNew } = await setup();
    fake.change((f) => {
      const m = f.machine(reservedNew.id);
      m.status = "ready";
      m.version += 2;
    });
    await expect(service.decreaseTargetSize("web", -1)).rejects.toMatchObject({
      code: "failed_precondition",
    });
    expect(fake.machine(reservedNew.id).status).toBe("ready");
  });

  it("never touches registered nodes: not enough unregistered ones is FailedPrecondition", async () => {
    const { agent, service } = await setup();
    await expect(service.decreaseTargetSize("web", -4)).rejects.toMatchObject({
      code: "failed_precondition",
      message: expect.stringContaining("only 3 unregistered"),
      details: { requested: 4, unregistered: 3 },
    });
    expect(sentTransitions(agent)).toHaveLength(0);
  });

  it("refuses non-negative deltas, unknown groups and non-leaders", async () => {
    const { agent, service } = await setup();
    await expect(service.decreaseTargetSize("web", 0)).rejects.toMatchObject({ code: "invalid_argument" });
    await expect(service.decreaseTargetSize("web", 2)).rejects.toMatchObject({ code: "invalid_argument" });
    await expect(service.decreaseTargetSize("nope", -1)).rejects.toMatchObject({ code: "not_found" });
    agent.leadership.leader = false;
    await expect(service.decreaseTargetSize("web", -1)).rejects.toMatchObject({ code: "unavailable" });
  });
});
