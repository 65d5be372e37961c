/**
 * Scale requests the agent refuses itself (IncreaseSize past max, DeleteNodes
 * below min or of a node under maintenance) are reported to the control plane
 * for the pool's "why didn't it scale?", best effort: Cluster Autoscaler gets
 * the same answer whether or not the report gets through.
 */
import { randomUUID } from "node:crypto";
import { afterEach, describe, expect, it } from "vitest";
import type { CaNode } from "../../../agent/cloud-provider/types.ts";
import { ControlPlaneError } from "../../../agent/control-plane/errors.ts";
import { fixtureMachine, fixtureMachines, fixturePool } from "../../support/agent/fixtures.ts";
import { type FakeAgent, startFakeAgent } from "../../support/agent/harness.ts";

const agents: FakeAgent[] = [];
afterEach(async () => {
  await Promise.all(agents.splice(0).map((a) => a.stop()));
});

const caNode = (m: { id: string; nodeName: string | null }): CaNode => ({
  name: m.nodeName ?? "",
  providerId: `ksp://${m.id}`,
  labels: {},
  annotations: {},
});

async function setup(opts: { minSize?: number; maxSize?: number } = {}) {
  const web = fixturePool({ name: "web", minSize: opts.minSize ?? 0, maxSize: opts.maxSize ?? 10 });
  const ready = fixtureMachines(2, { poolId: web.id, status: "ready" }).map((m, i) => ({
    ...m,
    nodeName: `node-${i}`,
    providerId: `ksp://${m.id}`,
  }));
  const id = randomUUID();
  const maintained = fixtureMachine({
    id,
    poolId: web.id,
    status: "maintenance",
    nodeName: "node-m",
    providerId: `ksp://${id}`,
  });
  const agent = await startFakeAgent({ pools: [web], machines: [...ready, maintained] });
  agents.push(agent);
  return { agent, fake: agent.fake, service: agent.service, web, ready, maintained };
}

describe("CloudProviderService: refusals reported to the control plane", () => {
  it("reports IncreaseSize past the pool's max as max_size_reached", async () => {
    const { fake, service, web } = await setup({ maxSize: 3 });
    await expect(service.increaseSize("web", 2)).rejects.toMatchObject({ code: "invalid_argument" });
    await expect
      .poll(() => fake.refusalsReceived)
      .toEqual([
        {
          poolId: web.id,
          direction: "up",
          requested: 2,
          reasons: [expect.objectContaining({ code: "max_size_reached", count: 1 })],
        },
      ]);
  });

  it("reports DeleteNodes of a node under maintenance, and below the min size", async () => {
    const { fake, service, web, ready, maintained } = await setup({ minSize: 2 });
    await expect(service.deleteNodes("web", [caNode(maintained)])).rejects.toMatchObject({
      code: "failed_precondition",
    });
    await expect(service.deleteNodes("web", [caNode(ready[0]!)])).rejects.toMatchObject({
      code: "failed_precondition",
      message: expect.stringContaining("below the minimum 2"),
    });
    await expect
      .poll(() => fake.refusalsReceived.map((r) => [r.poolId, r.direction, r.reasons[0]!.code]))
      .toEqual([
        [web.id, "down", "node_in_maintenance"],
        [web.id, "down", "min_size_reached"],
      ]);
    expect(fake.refusalsReceived[0]!.reasons[0]!.message).toContain("node-m");
    expect(fake.calls.filter((c) => c.method === "transitions")).toEqual([]);
  });

  it("answers Cluster Autoscaler the same when the report cannot be delivered", async () => {
    const { fake, service } = await setup({ minSize: 2 });
    fake.failNext("reportScalingRefusal", new ControlPlaneError({ kind: "unreachable", message: "down" }));
    await expect(service.increaseSize("web", 20)).rejects.toMatchObject({ code: "invalid_argument" });
    await expect.poll(() => fake.calls.filter((c) => c.method === "reportScalingRefusal").length).toBe(1);
    expect(fake.refusalsReceived).toEqual([]);
  });
});
