/**
 * The sync loop's idle backoff: doubling after 304s in a row up to the bound,
 * back to the base interval on a change, on a trigger for fresh state, and
 * Refresh that polls only when the backed-off poll is due. Real timers with
 * short intervals: the assertions are about counts and lower bounds, which
 * timers can only make larger, never smaller.
 */
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

function setup(intervalMs: number, idleMaxIntervalMs?: number) {
  const fake = new FakeControlPlane({ pools: [fixturePool({ name: "p" })] });
  const store = createStateStore();
  const loop = createSyncLoop({
    controlPlane: fake,
    store,
    clock: { now: () => new Date() },
    logger: createLogger({ sink: () => {} }),
    intervalMs,
    ...(idleMaxIntervalMs ? { idleMaxIntervalMs } : {}),
  });
  loops.push(loop);
  const polls = () => fake.count("state");
  return { fake, store, loop, polls };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const until = async (check: () => boolean, ms = 3_000) => {
  const end = Date.now() + ms;
  while (!check()) {
    if (Date.now() > end) throw new Error("condition not met in time");
    await sleep(2);
  }
};

describe("agent sync loop idle backoff", () => {
  it("doubles the interval after each 304 in a row, up to the bound", async () => {
    const { loop, polls, fake } = setup(10, 80);
    const at: number[] = [];
    const original = fake.state.bind(fake);
    fake.state = (...args: Parameters<typeof original>) => {
      at.push(performance.now());
      return original(...args);
    };
    await loop.start();
    await until(() => polls() >= 7);
    const gaps = at.slice(1).map((t, i) => t - at[i]!);
    // after the 200: 10 ms; then 20, 40, 80, 80… (a timer never fires early)
    const expected = [10, 20, 40, 80, 80, 80];
    for (const [i, min] of expected.entries()) expect(gaps[i]).toBeGreaterThanOrEqual(min - 1);
  });

  it("polls far less often than the base interval while idle, and never backs off without a bound", async () => {
    const idle = setup(10, 10_000);
    const constant = setup(10);
    await Promise.all([idle.loop.start(), constant.loop.start()]);
    await sleep(300);
    // 10 + 20 + 40 + 80 + 160 > 300: at most six polls, against about thirty without backoff
    expect(idle.polls()).toBeLessThanOrEqual(6);
    expect(constant.polls()).toBeGreaterThanOrEqual(15);
  });

  it("goes back to the base interval once the state changed (a 200)", async () => {
    const { loop, polls, fake, store } = setup(10, 200);
    await loop.start();
    await until(() => polls() >= 5); // backed off to 160 ms and beyond
    fake.change((f) => {
      f.pools[0]!.name = "renamed";
    });
    await until(() => store.view().poolsByName.has("renamed"));
    const seen = polls();
    await sleep(60);
    // 10, 20 after the 200: at least two more polls within 60 ms, where the backoff would allow none
    expect(polls() - seen).toBeGreaterThanOrEqual(2);
  });

  it("goes back to the base interval on a trigger for fresh state (a scale request, a local event)", async () => {
    const { loop, polls } = setup(10, 5_000);
    await loop.start();
    await until(() => polls() >= 6); // the next poll is 320 ms or more away
    await loop.trigger();
    const seen = polls();
    await sleep(60);
    expect(polls() - seen).toBeGreaterThanOrEqual(2);
  });

  it("lets Refresh poll only when the backed-off poll is due", async () => {
    const { loop, polls } = setup(10, 5_000);
    await loop.start();
    await until(() => polls() >= 6);
    const seen = polls();
    await loop.trigger({ refresh: true });
    await loop.trigger({ refresh: true });
    expect(polls()).toBe(seen);
    // without backoff a Refresh polls as before
    const fresh = setup(60_000, 60_000);
    await fresh.loop.start();
    const before = fresh.polls();
    await fresh.loop.trigger({ refresh: true });
    expect(fresh.polls()).toBe(before + 1);
  });
});
