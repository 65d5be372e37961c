/**
 * A standby replica (it does not hold the Lease): every mutating RPC answers
 * Unavailable, naming this replica and the leader, so Cluster Autoscaler
 * retries and reaches the leader; nothing reaches the control plane; the
 * reads are still answered from its warm cache.
 */
import { status } from "@grpc/grpc-js";
import { afterEach, describe, expect, it } from "vitest";
import type { CaNode } from "../../../agent/cloud-provider/types.ts";
import { GRPC_STATUS_BY_AGENT_CODE } from "../../../agent/grpc/status-map.ts";
import { fixtureMachines, fixturePool } from "../../support/agent/fixtures.ts";
import { type FakeAgent, startFakeAgent } from "../../support/agent/harness.ts";

const agents: FakeAgent[] = [];
afterEach(async () => {
  await Promise.all(agents.splice(0).map((a) => a.stop()));
});

async function standby(leader: string | null) {
  const pool = fixturePool({ name: "web", maxSize: 5 });
  const ready = fixtureMachines(2, { poolId: pool.id, status: "ready" });
  const agent = await startFakeAgent({
    pools: [pool],
    machines: [...ready, ...fixtureMachines(2, { status: "available" })],
  });
  agents.push(agent);
  agent.leadership.leader = false;
  agent.leadership.otherLeader = leader;
  const node: CaNode = {
    name: ready[0]!.nodeName!,
    providerId: ready[0]!.providerId!,
    labels: {},
    annotations: {},
  };
  return { agent, service: agent.service, node };
}

const mutations = (agent: FakeAgent) =>
  agent.fake.calls.filter((c) => c.method === "allocate" || c.method === "transitions");

describe("a standby replica", () => {
  it("answers every mutating RPC Unavailable, naming itself and the leader, and changes nothing", async () => {
    const { agent, service, node } = await standby("ksp-agent-7d9f-b");
    const calls = {
      IncreaseSize: () => service.increaseSize("web", 1),
      DeleteNodes: () => service.deleteNodes("web", [node]),
      DecreaseTargetSize: () => service.decreaseTargetSize("web", -1),
    };
    for (const [rpc, call] of Object.entries(calls)) {
      await expect(call(), rpc).rejects.toMatchObject({
        code: "unavailable",
        message: expect.stringMatching(
          /: this agent \(agent-test-0\) is not the leader \(ksp-agent-7d9f-b leads\); retry against the leader$/,
        ),
        details: { leader: "ksp-agent-7d9f-b" },
      });
    }
    // the code CA retries on
    expect(GRPC_STATUS_BY_AGENT_CODE.unavailable).toBe(status.UNAVAILABLE);
    expect(mutations(agent)).toEqual([]);
    expect(service.targetSize("web")).toBe(2);
  });

  it("says so when no replica leads (mid-election)", async () => {
    const { service } = await standby(null);
    await expect(service.increaseSize("web", 1)).rejects.toMatchObject({
      code: "unavailable",
      message: expect.stringContaining("not the leader (no replica leads right now)"),
    });
  });

  it("still answers the reads from its cache, and mutates once it leads", async () => {
    const { agent, service, node } = await standby("ksp-agent-7d9f-b");
    expect(service.nodeGroups().map((g) => g.id)).toEqual(["web"]);
    expect(service.nodeGroupForNode(node)?.id).toBe("web");
    expect(service.nodes("web")).toHaveLength(2);
    agent.leadership.leader = true;
    await service.increaseSize("web", 1);
    expect(service.targetSize("web")).toBe(3);
  });
});
