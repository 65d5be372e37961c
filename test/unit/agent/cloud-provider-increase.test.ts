/** IncreaseSize: the rules, the control plane's refusals as typed errors, and the target counted at once. */
import { afterEach, describe, expect, it } from "vitest";
import { ControlPlaneError } from "../../../agent/control-plane/errors.ts";
import type { AllocationRequest } from "../../../proto/agent-api.ts";
import { fixtureMachines, fixturePool } from "../../support/agent/fixtures.ts";
import { type FakeAgent, startFakeAgent } from "../../support/agent/harness.ts";

const agents: FakeAgent[] = [];
afterEach(async () => {
  await Promise.all(agents.splice(0).map((a) => a.stop()));
});

async function setup(opts: { free?: number; ready?: number; maxSize?: number } = {}) {
  const pool = fixturePool({ name: "web", maxSize: opts.maxSize ?? 5 });
  const machines = [
    ...fixtureMachines(opts.ready ?? 1, { poolId: pool.id, status: "ready" }),
    ...fixtureMachines(opts.free ?? 4, { status: "available" }),
  ];
  const agent = await startFakeAgent({ pools: [pool], machines });
  agents.push(agent);
  return { agent, service: agent.service, fake: agent.fake, pool };
}

const allocations = (agent: FakeAgent) =>
  agent.fake.calls.filter((c) => c.method === "allocate").map((c) => c.args as AllocationRequest);

describe("IncreaseSize", () => {
  it("reserves machines and counts them in the target size as soon as it returns", async () => {
    const { agent, service, fake } = await setup();
    fake.latencyMs = 0;
    // hold polls so only our own mutation can explain the new target size
    const release = fake.holdStateAnswers();
    await service.increaseSize("web", 2);
    expect(service.targetSize("web")).toBe(3);
    expect(service.nodes("web").filter((n) => n.state === "creating")).toHaveLength(2);
    release();
    const [request] = allocations(agent);
    expect(request!.delta).toBe(2);
    expect(request!.requestId).toMatch(/^ca-[0-9a-f-]{36}$/);
  });

  it("keeps the scale-up when a poll read before it lands after it", async () => {
    const { service, fake } = await setup();
    fake.change((f) => {
      f.pools[0]!.maxSize = 6; // so the next poll is a full answer, not a 304
    });
    const releaseStale = fake.holdStateAnswers();
    const refreshed = service.refresh(); // reads the state now (target 1), answers later
    await service.increaseSize("web", 2);
    const releaseNext = fake.holdStateAnswers(); // the sync the scale-up asked for waits here
    try {
      releaseStale();
      await refreshed;
      await new Promise((r) => setTimeout(r, 10));
      expect(fake.count("state")).toBe(3); // start, the stale poll, the one now held
      expect(service.nodeGroups()[0]!.maxSize).toBe(6); // the stale answer was applied…
      expect(service.targetSize("web")).toBe(3); // …without undoing the scale-up
    } finally {
      releaseNext();
    }
  });

  it("uses a fresh request id per call (HTTP retries inside one call reuse it: see control-plane-http)", async () => {
    const { agent, service, fake } = await setup();
    fake.failNext("allocate");
    await expect(service.increaseSize("web", 1)).rejects.toMatchObject({ code: "unavailable" });
    await service.increaseSize("web", 1);
    const ids = allocations(agent).map((r) => r.requestId);
    expect(new Set(ids).size).toBe(2); // one id per RPC
    expect(service.targetSize("web")).toBe(2);
  });

  it("refuses bad deltas, unknown groups and going above max without calling the control plane", async () => {
    const { agent, service } = await setup({ maxSize: 3 });
    await expect(service.increaseSize("web", 0)).rejects.toMatchObject({ code: "invalid_argument" });
    await expect(service.increaseSize("web", -2)).rejects.toMatchObject({ code: "invalid_argument" });
    await expect(service.increaseSize("web", 1.5)).rejects.toMatchObject({ code: "invalid_argument" });
    await expect(service.increaseSize("nope", 1)).rejects.toMatchObject({ code: "not_found" });
    await expect(service.increaseSize("web", 3)).rejects.toMatchObject({
      code: "invalid_argument",
      message: expect.stringContaining("target size 1 + 3 would exceed the maximum 3"),
    });
    expect(allocations(agent)).toHaveLength(0);
  });

  it("answers ResourceExhausted with counts when machines run out", async () => {
    const { service } = await setup({ free: 1 });
    await expect(service.increaseSize("web", 3)).rejects.toMatchObject({
      code: "resource_exhausted",
      message: expect.stringMatching(/"web".*requested 3, available 1/),
      details: { requested: 3, available: 1 },
    });
    expect(service.targetSize("web")).toBe(1);
  });

  it("maps the other refusals and outages", async () => {
    const { service, fake } = await setup();
    fake.failNext(
      "allocate",
      new ControlPlaneError({ kind: "http", status: 409, code: "pool_disabled", message: "x" }),
    );
    await expect(service.increaseSize("web", 1)).rejects.toMatchObject({ code: "failed_precondition" });
    fake.failNext(
      "allocate",
      new ControlPlaneError({
        kind: "http",
        status: 409,
        code: "pool_at_max",
        message: "x",
        details: { current: 5, max: 5, requested: 1 },
      }),
    );
    await expect(service.increaseSize("web", 1)).rejects.toMatchObject({ code: "invalid_argument" });
    fake.failNext(
      "allocate",
      new ControlPlaneError({ kind: "http", status: 503, code: "dependency_unavailable", message: "x" }),
    );
    await expect(service.increaseSize("web", 1)).rejects.toMatchObject({ code: "unavailable" });
    fake.setOutage(true);
    await expect(service.increaseSize("web", 1)).rejects.toMatchObject({ code: "unavailable" });
  });

  it("is Unavailable on a replica that does not lead", async () => {
    const { agent, service } = await setup();
    agent.leadership.leader = false;
    await expect(service.increaseSize("web", 1)).rejects.toMatchObject({
      code: "unavailable",
      message: expect.stringContaining("not the leader"),
    });
    expect(allocations(agent)).toHaveLength(0);
  });

  it("passes a deadline within the 4 s budget to the control plane", async () => {
    const { agent, service } = await setup();
    const callerDeadline = new Date(Date.now() + 60_000);
    const before = Date.now();
    await service.increaseSize("web", 1, callerDeadline);
    const call = agent.fake.calls.find((c) => c.method === "allocate")!;
    const deadline = call.options!.deadline!.getTime();
    expect(deadline).toBeGreaterThanOrEqual(before + 3_900);
    expect(deadline).toBeLessThanOrEqual(Date.now() + 4_000);
    const soon = new Date(Date.now() + 1_000);
    await service.increaseSize("web", 1, soon);
    const second = agent.fake.calls.filter((c) => c.method === "allocate")[1]!;
    expect(second.options!.deadline!.getTime()).toBe(soon.getTime());
  });
});
