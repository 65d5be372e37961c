/**
 * What Cluster Autoscaler sees of a machine under maintenance: its kept Node
 * still belongs to the pool's node group, reads as a deleting instance (as it
 * did while draining), counts in no target size, and is not CA's to delete.
 */
import { randomUUID } from "node:crypto";
import { afterEach, describe, expect, it } from "vitest";
import type { CaNode } from "../../../agent/cloud-provider/types.ts";
import { fixtureMachine, fixtureMachines, fixturePool } from "../../support/agent/fixtures.ts";
import { type FakeAgent, startFakeAgent } from "../../support/agent/harness.ts";

const agents: FakeAgent[] = [];
afterEach(async () => {
  await Promise.all(agents.splice(0).map((a) => a.stop()));
});

const caNode = (m: { nodeName: string | null; providerId: string | null }): CaNode => ({
  name: m.nodeName ?? "",
  providerId: m.providerId ?? "",
  labels: {},
  annotations: {},
});

/** A machine of the pool in maintenance that kept its Node (drained for a maintenance order). */
function keptNode(poolId: string, nodeName: string) {
  const id = randomUUID();
  return fixtureMachine({ id, poolId, status: "maintenance", nodeName, providerId: `ksp://${id}` });
}

async function setup() {
  const web = fixturePool({ name: "web", minSize: 0 });
  const ready = fixtureMachines(2, { poolId: web.id, status: "ready" });
  const maintained = keptNode(web.id, "node-m");
  const draining = fixtureMachine({ poolId: web.id, status: "draining", drainIntent: "maintenance" });
  // from the free inventory straight to maintenance: never had a Node here
  const stored = fixtureMachine({ poolId: web.id, status: "maintenance" });
  const agent = await startFakeAgent({ pools: [web], machines: [...ready, maintained, draining, stored] });
  agents.push(agent);
  return { agent, service: agent.service, ready, maintained, draining, stored };
}

describe("CloudProviderService: machines under maintenance", () => {
  it("keeps the Node in its node group as a deleting instance that no target size counts", async () => {
    const { service, ready, maintained, draining, stored } = await setup();
    expect(service.nodeGroupForNode(caNode(maintained))?.id).toBe("web");
    expect(service.nodeGroupForNode({ ...caNode(maintained), providerId: "" })?.id).toBe("web");
    expect(service.targetSize("web")).toBe(ready.length);
    const states = new Map(service.nodes("web").map((i) => [i.id, i.state]));
    expect(states.get(maintained.providerId!)).toBe("deleting");
    expect(states.get(draining.providerId!)).toBe("deleting");
    expect(states.has(`ksp://${stored.id}`)).toBe(false);
    expect(service.nodes("web")).toHaveLength(ready.length + 2);
  });

  it("refuses to delete a node drained, or draining, for maintenance, and changes nothing", async () => {
    const { agent, service, ready, maintained, draining } = await setup();
    for (const node of [caNode(maintained), caNode(draining)]) {
      await expect(service.deleteNodes("web", [caNode(ready[0]!), node])).rejects.toMatchObject({
        code: "failed_precondition",
        message: expect.stringContaining(`under maintenance, back in service when it ends: ${node.name}`),
      });
    }
    expect(agent.fake.calls.filter((c) => c.method === "transitions")).toEqual([]);
    expect(agent.fake.machine(ready[0]!.id).status).toBe("ready");
    expect(service.targetSize("web")).toBe(ready.length);
  });
});
