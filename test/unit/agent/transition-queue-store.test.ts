/**
 * The transition queue's file beside the credential file: owner-only,
 * replaced atomically, and a queue written by one agent process is the
 * queue the next one starts with.
 */
import { mkdtemp, readdir, rm, stat } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { createStateStore } from "../../../agent/state/store.ts";
import { createTransitionQueue } from "../../../agent/state/transition-queue.ts";
import { createFileQueuePersistence, queueFileBeside } from "../../../agent/state/transition-queue-store.ts";
import { createLogger } from "../../../shared/logger.ts";
import { FakeControlPlane } from "../../support/agent/fake-control-plane.ts";
import { fixtureMachine, fixturePool } from "../../support/agent/fixtures.ts";

const dirs: string[] = [];
afterEach(async () => {
  await Promise.all(dirs.splice(0).map((d) => rm(d, { recursive: true, force: true })));
});

describe("transition queue file", () => {
  it("reads nothing before the first write, then the last text written, in a 0600 file beside the credential", async () => {
    const dir = await mkdtemp(join(tmpdir(), "ksp-queue-"));
    dirs.push(dir);
    const path = queueFileBeside(join(dir, "run", "credential"));
    expect(path).toBe(join(dir, "run", "credential.queue.json"));
    const file = createFileQueuePersistence(path);
    expect(file.where).toBe(`file ${path}`);
    expect(await file.read()).toBeNull();
    await file.write('{"format":1,"items":[]}');
    await file.write('{"format":1,"items":[1]}');
    expect(JSON.parse((await file.read())!)).toEqual({ format: 1, items: [1] });
    expect((await stat(path)).mode & 0o777).toBe(0o600);
    expect(await readdir(join(dir, "run"))).toEqual(["credential.queue.json"]);
  });

  it("keeps a queue across a restart of the agent", async () => {
    const dir = await mkdtemp(join(tmpdir(), "ksp-queue-"));
    dirs.push(dir);
    const path = join(dir, "credential.queue.json");
    const pool = fixturePool({ name: "p" });
    const m = fixtureMachine({ poolId: pool.id, status: "joining", version: 2 });
    const fake = new FakeControlPlane({ pools: [pool], machines: [m] });
    const run = async () => {
      const store = createStateStore();
      store.replace(fake.snapshot(), fake.etag(), store.mutationMark());
      const queue = createTransitionQueue({
        store,
        controlPlane: fake,
        persistence: createFileQueuePersistence(path),
        clock: { now: () => new Date() },
        logger: createLogger({ sink: () => {} }),
      });
      await queue.start();
      return { store, queue };
    };
    const first = await run();
    await first.queue.enqueue({
      machineId: m.id,
      from: "joining",
      to: "ready",
      expectedVersion: 2,
      nodeName: "a",
    });
    await first.queue.enqueue({ machineId: m.id, from: "ready", to: "draining", expectedVersion: 3 });

    const second = await run();
    expect(second.queue.items().map((e) => [e.seq, e.item.to])).toEqual([
      [1, "ready"],
      [2, "draining"],
    ]);
    expect(second.store.view().machinesById.get(m.id)).toMatchObject({ status: "draining", version: 4 });
    expect(await second.queue.flush()).toEqual({ applied: 2, dropped: 0 });
    expect(fake.machine(m.id)).toMatchObject({ status: "draining", version: 4, nodeName: "a" });
    expect((await run()).queue.size()).toBe(0);
  });
});
