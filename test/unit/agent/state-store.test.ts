/**
 * Our own changes show at once, and a poll only replaces them once it knows
 * about them: a stale poll (read before the change) never undoes one.
 */
import { describe, expect, it } from "vitest";
import { createStateStore } from "../../../agent/state/store.ts";
import { fixtureMachine, fixturePool, fixtureState } from "../../support/agent/fixtures.ts";

function setup() {
  const pool = fixturePool({ name: "p", maxSize: 10 });
  const free = fixtureMachine({ status: "available", version: 3 });
  const ready = fixtureMachine({ poolId: pool.id, status: "ready", version: 7 });
  const state = fixtureState({ pools: [pool], machines: [free, ready] });
  const store = createStateStore();
  store.replace(state, 'W/"c:1"', store.mutationMark());
  const target = () => store.view().poolsByName.get("p")!.targetSize;
  return { pool, free, ready, state, store, target };
}

const reserve = (id: string, poolId: string, version: number) => ({
  machineId: id,
  version,
  set: { status: "reserved" as const, poolId, providerId: `ksp://${id}` },
});

describe("agent state store", () => {
  it("applies a local change at once", () => {
    const { pool, free, store, target } = setup();
    expect(target()).toBe(1);
    store.applyLocal([reserve(free.id, pool.id, 4)]);
    expect(target()).toBe(2);
    expect(store.view().instancesByProviderId.get(`ksp://${free.id}`)?.info.state).toBe("creating");
    // what the allocation answer did not say is kept from the last poll
    expect(store.view().machinesById.get(free.id)?.hostname).toBe(free.hostname);
  });

  it("keeps a local change when a poll read before it arrives after it", () => {
    const { pool, free, state, store, target } = setup();
    const markAtRequest = store.mutationMark(); // the poll is sent…
    store.applyLocal([reserve(free.id, pool.id, 4)]); // …our allocation commits meanwhile
    store.replace({ ...state, stateVersion: 2 }, 'W/"c:2"', markAtRequest); // the old answer lands
    expect(target()).toBe(2);
    expect(store.etag()).toBe('W/"c:2"');
  });

  it("lets a poll at the same or a newer machine version supersede the change", () => {
    const { pool, free, state, store, target } = setup();
    const markAtRequest = store.mutationMark();
    store.applyLocal([reserve(free.id, pool.id, 4)]);
    const newer = {
      ...free,
      status: "joining" as const,
      poolId: pool.id,
      providerId: `ksp://${free.id}`,
      version: 5,
    };
    store.replace({ ...state, machines: [newer, state.machines[1]!] }, null, markAtRequest);
    expect(store.view().machinesById.get(free.id)?.status).toBe("joining");
    expect(target()).toBe(2);
  });

  it("trusts a poll sent after the change, even when the machine left the cluster", () => {
    const { ready, state, store, target } = setup();
    store.applyLocal([{ machineId: ready.id, version: 8, set: { status: "draining" } }]);
    expect(target()).toBe(0);
    const markAtRequest = store.mutationMark();
    store.replace({ ...state, machines: [state.machines[0]!] }, null, markAtRequest);
    expect(store.view().machinesById.has(ready.id)).toBe(false);
    expect(target()).toBe(0);
  });

  it("never lets an older local record replace a newer one", () => {
    const { ready, store } = setup();
    store.applyLocal([{ machineId: ready.id, version: 6, set: { status: "draining" } }]);
    expect(store.view().machinesById.get(ready.id)?.status).toBe("ready");
  });

  it("hides an acknowledged failure until the machine changes", () => {
    const pool = fixturePool({ name: "p" });
    const fault = fixtureMachine({ poolId: pool.id, status: "fault", version: 2 });
    const state = fixtureState({ pools: [pool], machines: [fault] });
    const store = createStateStore();
    store.replace(state, null, store.mutationMark());
    const instances = () => store.view().poolsByName.get("p")!.instances.length;
    expect(instances()).toBe(1);
    store.hide(fault.id, 2);
    expect(instances()).toBe(0);
    store.replace(state, null, store.mutationMark());
    expect(instances()).toBe(0);
    store.replace({ ...state, machines: [{ ...fault, version: 3 }] }, null, store.mutationMark());
    expect(instances()).toBe(1);
  });
});

describe("agent state store: queued (pending) changes", () => {
  const pending = (id: string, version: number, status: "leaving" | "available" | "ready") => ({
    machineId: id,
    version,
    set: { status },
  });

  it("shows queued changes over polls and our own changes, in order, until the queue replaces them", () => {
    const { ready, state, store, target } = setup();
    store.setPending([pending(ready.id, 8, "leaving"), pending(ready.id, 9, "available")]);
    expect(store.view().machinesById.get(ready.id)).toMatchObject({ status: "available", version: 9 });
    expect(target()).toBe(0);
    // a poll sent after the change, even one showing a newer version, does not supersede them
    const newer = { ...state, stateVersion: 99, machines: [state.machines[0]!, { ...ready, version: 12 }] };
    store.replace(newer, 'W/"c:99"', store.mutationMark());
    expect(store.view().machinesById.get(ready.id)).toMatchObject({ status: "available", version: 9 });
    // only the queue removes them
    store.setPending([]);
    expect(store.view().machinesById.get(ready.id)).toMatchObject({ status: "ready", version: 12 });
  });

  it("swaps a flushed change from queued to confirmed in one update of the view", () => {
    const { ready, store } = setup();
    store.setPending([pending(ready.id, 8, "leaving")]);
    const seen: string[] = [];
    store.subscribe(() => seen.push(store.view().machinesById.get(ready.id)!.status));
    store.setPending([], [pending(ready.id, 8, "leaving")]);
    expect(seen).toEqual(["leaving"]);
    expect(store.view().machinesById.get(ready.id)).toMatchObject({ status: "leaving", version: 8 });
    // the confirmed one is an ordinary local change now: a poll that knows it supersedes it
    store.replace({ ...setup().state, machines: [] }, null, store.mutationMark());
    expect(store.view().machinesById.has(ready.id)).toBe(false);
  });

  it("shows nothing queued for a machine it does not know", () => {
    const { store } = setup();
    store.setPending([pending("00000000-0000-4000-8000-000000000000", 3, "ready")]);
    expect(store.view().machinesById.has("00000000-0000-4000-8000-000000000000")).toBe(false);
  });
});
