import { afterEach, describe, expect, it } from "vitest";
import { startHeartbeatLoop } from "../../../agent/heartbeat.ts";
import type { HeartbeatRequest } from "../../../proto/agent-api.ts";
import { createLogger } from "../../../shared/logger.ts";
import { FakeControlPlane } from "../../support/agent/fake-control-plane.ts";
import { SettableLeadership } from "../../support/agent/settable-leadership.ts";

const since = new Date("2026-11-23T10:00:00.000Z");

function setup(opts: { leader?: boolean; intervalMs?: number } = {}) {
  const fake = new FakeControlPlane();
  const logs: Record<string, unknown>[] = [];
  const leadership = new SettableLeadership("agent-0", opts.leader ?? true, () => since);
  const loop = startHeartbeatLoop({
    controlPlane: fake,
    logger: createLogger({ level: "debug", sink: (line) => logs.push(JSON.parse(line)) }),
    leadership,
    agentVersion: "0.1.0",
    kubernetesVersion: "v1.31.2",
    nodeCounts: () => ({ total: 3, ready: 2 }),
    intervalMs: opts.intervalMs ?? 10_000,
  });
  return {
    fake,
    logs,
    loop,
    setLeader: (v: boolean) => {
      leadership.leader = v;
    },
  };
}

const sent = (fake: FakeControlPlane) =>
  fake.calls.filter((c) => c.method === "heartbeat").map((c) => c.args as HeartbeatRequest);

let stop: (() => Promise<void>) | undefined;
afterEach(async () => {
  await stop?.();
  stop = undefined;
});

describe("heartbeat loop", () => {
  it("beats at once with versions, node counts and the leader", async () => {
    const h = setup();
    stop = h.loop.stop;
    await expect(h.loop.beat()).resolves.toBe(true);
    const [first] = sent(h.fake);
    expect(first).toEqual({
      agentVersion: "0.1.0",
      kubernetesVersion: "v1.31.2",
      nodeCounts: { total: 3, ready: 2 },
      leader: { identity: "agent-0", since: since.toISOString() },
    });
  });

  it("keeps beating on its interval and survives a failed beat", async () => {
    const h = setup({ intervalMs: 20 });
    stop = h.loop.stop;
    h.fake.failNext("heartbeat");
    await expect.poll(() => sent(h.fake).length, { timeout: 2_000 }).toBeGreaterThanOrEqual(3);
    expect(h.logs.some((l) => l.msg === "heartbeat failed; retrying at the next tick")).toBe(true);
  });

  it("a standby replica does not speak for the cluster; once it leads it says so at once, with since", async () => {
    const h = setup({ leader: false });
    stop = h.loop.stop;
    await h.loop.beat();
    expect(sent(h.fake)).toHaveLength(0);
    h.setLeader(true); // no tick needed: becoming leader beats
    await expect.poll(() => sent(h.fake).length).toBe(1);
    expect(sent(h.fake)[0]?.leader).toEqual({ identity: "agent-0", since: since.toISOString() });
  });

  it("stops beating once stopped", async () => {
    const h = setup({ intervalMs: 10 });
    await h.loop.stop();
    const after = sent(h.fake).length;
    await new Promise((r) => setTimeout(r, 60));
    expect(sent(h.fake).length).toBe(after);
  });
});
