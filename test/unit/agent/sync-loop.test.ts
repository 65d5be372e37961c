/** ETag polling, backoff while the control plane fails, coalesced triggers. */
import { afterEach, describe, expect, it } from "vitest";
import { createStateStore } from "../../../agent/state/store.ts";
import { createSyncLoop, type SyncLoop } from "../../../agent/state/sync-loop.ts";
import { createLogger } from "../../../shared/logger.ts";
import { FakeControlPlane } from "../../support/agent/fake-control-plane.ts";
import { fixturePool } from "../../support/agent/fixtures.ts";

const loops: SyncLoop[] = [];
afterEach(async () => {
  await Promise.all(loops.splice(0).map((l) => l.stop()));
});

function setup(intervalMs = 60_000) {
  const fake = new FakeControlPlane({ pools: [fixturePool({ name: "p" })] });
  const store = createStateStore();
  const logs: Record<string, unknown>[] = [];
  const loop = createSyncLoop({
    controlPlane: fake,
    store,
    clock: { now: () => new Date() },
    logger: createLogger({ sink: (line) => logs.push(JSON.parse(line)) }),
    intervalMs,
    backoffBaseMs: 5,
    backoffMaxMs: 20,
  });
  loops.push(loop);
  return { fake, store, loop, logs };
}

const until = async (check: () => boolean, ms = 2_000) => {
  const end = Date.now() + ms;
  while (!check()) {
    if (Date.now() > end) throw new Error("condition not met in time");
    await new Promise((r) => setTimeout(r, 2));
  }
};

describe("agent sync loop", () => {
  it("loads the state, then polls with its ETag and gets 304 while nothing changes", async () => {
    const { fake, store, loop } = setup(10);
    await loop.start();
    expect(store.view().nodeGroups.map((g) => g.id)).toEqual(["p"]);
    expect(loop.lastSuccessAt()).toBeInstanceOf(Date);
    await until(() => fake.count("state") >= 3);
    const etags = fake.calls
      .filter((c) => c.method === "state")
      .map((c) => (c.args as { etag: unknown }).etag);
    expect(etags[0]).toBeNull();
    expect(etags.slice(1).every((e) => e === fake.etag())).toBe(true);

    fake.change((f) => {
      f.pools[0]!.name = "renamed";
    });
    await until(() => store.view().poolsByName.has("renamed"));
  });

  it("keeps serving the last state during an outage, backs off, and recovers", async () => {
    const { fake, store, loop, logs } = setup(60_000);
    await loop.start();
    fake.setOutage(true);
    fake.change((f) => {
      f.pools[0]!.maxSize = 99;
    });
    await loop.trigger();
    expect(loop.lastError()).toMatch(/control plane down/);
    expect(store.view().poolsByName.get("p")?.pool.maxSize).toBe(10);
    const failedAt = fake.count("state");
    await until(() => fake.count("state") >= failedAt + 3); // retried on the backoff timer, not the 60 s interval
    expect(logs.some((l) => l.msg === "control-plane sync failed; serving the last known state")).toBe(true);
    fake.setOutage(false);
    await until(() => store.view().poolsByName.get("p")?.pool.maxSize === 99);
    expect(loop.lastError()).toBeNull();
  });

  it("starts without failing when the control plane is down, and is not synced until it answers", async () => {
    const { fake, loop } = setup();
    fake.setOutage(true);
    await expect(loop.start()).resolves.toBeUndefined();
    expect(loop.lastSuccessAt()).toBeNull();
    fake.setOutage(false);
    await loop.trigger();
    expect(loop.lastSuccessAt()).not.toBeNull();
  });

  it("coalesces triggers that arrive while a sync runs into one more sync", async () => {
    const { fake, loop } = setup();
    await loop.start();
    fake.latencyMs = 30;
    const before = fake.count("state");
    await Promise.all(Array.from({ length: 10 }, () => loop.trigger()));
    expect(fake.count("state") - before).toBe(2);
  });

  it("stops polling after stop()", async () => {
    const { fake, loop } = setup(5);
    await loop.start();
    await loop.stop();
    const after = fake.count("state");
    await new Promise((r) => setTimeout(r, 40));
    expect(fake.count("state")).toBe(after);
    await loop.trigger();
    expect(fake.count("state")).toBe(after);
  });
});
