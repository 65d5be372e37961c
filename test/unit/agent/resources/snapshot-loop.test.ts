/** The snapshot loop: the leader pushes what FakeKube holds, on its interval, surviving failures. */
import { afterEach, describe, expect, it } from "vitest";
import { KubeError } from "../../../../agent/kubernetes/kube-error.ts";
import { type SnapshotLoop, startSnapshotLoop } from "../../../../agent/resources/snapshot-loop.ts";
import { createStateStore } from "../../../../agent/state/store.ts";
import type { SnapshotsRequest } from "../../../../proto/agent-api.ts";
import { createLogger } from "../../../../shared/logger.ts";
import { FakeControlPlane } from "../../../support/agent/fake-control-plane.ts";
import { FakeKube } from "../../../support/agent/fake-kube.ts";
import { fixtureMachine, fixturePool } from "../../../support/agent/fixtures.ts";
import { resourcePod } from "../../../support/agent/resource-reads-contract.ts";

const GiB = 2 ** 30;
const capturedAt = new Date("2026-03-01T12:00:00.000Z");

async function setup(opts: { intervalMs?: number; firstDelayMs?: number } = {}) {
  const pool = fixturePool({ name: "web" });
  const machine = fixtureMachine({ status: "ready", poolId: pool.id });
  const fake = new FakeControlPlane({ pools: [pool], machines: [machine] });
  const store = createStateStore();
  store.replace(fake.snapshot(), fake.etag(), store.mutationMark());
  const kube = new FakeKube();
  kube.addNode("w1", {
    providerId: machine.providerId,
    capacity: { cpuMillis: 4000, memoryBytes: 16 * GiB },
  });
  kube.addNode("cp", { capacity: { cpuMillis: 2000, memoryBytes: 8 * GiB } });
  kube.addPod(resourcePod("web", { node: "w1", requests: [{ cpu: "250m", memory: "1Gi" }] }));
  kube.resourceReads.setUsage("w1", { cpuMillis: 120, memoryBytes: GiB });
  await kube.nodeInformer.start();
  const logs: Record<string, unknown>[] = [];
  const leadership = { leader: true, isLeader: () => leadership.leader };
  const loop = startSnapshotLoop({
    controlPlane: fake,
    leadership,
    nodes: kube.nodeInformer,
    store,
    reads: kube.resourceReads,
    clock: { now: () => capturedAt },
    logger: createLogger({ level: "debug", sink: (line) => logs.push(JSON.parse(line)) }),
    intervalMs: opts.intervalMs ?? 60_000,
    firstDelayMs: opts.firstDelayMs ?? 60_000,
  });
  loops.push(loop);
  return { pool, fake, kube, loop, logs, leadership };
}

const pushed = (fake: FakeControlPlane) =>
  fake.calls.filter((c) => c.method === "snapshots").map((c) => c.args as SnapshotsRequest);

const loops: SnapshotLoop[] = [];
afterEach(async () => {
  await Promise.all(loops.splice(0).map((l) => l.stop()));
});

describe("snapshot loop", () => {
  it("pushes the pool's and the cluster's figures", async () => {
    const { fake, loop, pool } = await setup();
    await expect(loop.push()).resolves.toBe(true);
    expect(fake.snapshotsReceived).toEqual([
      {
        capturedAt: capturedAt.toISOString(),
        pools: [
          {
            poolId: pool.id,
            nodeCount: 1,
            capacity: { cpuMillis: 4000, memoryBytes: 16 * GiB },
            allocatable: { cpuMillis: 4000, memoryBytes: 16 * GiB },
            requested: { cpuMillis: 250, memoryBytes: GiB },
            usage: { cpuMillis: 120, memoryBytes: GiB },
          },
        ],
        cluster: {
          nodeCount: 2,
          capacity: { cpuMillis: 6000, memoryBytes: 24 * GiB },
          allocatable: { cpuMillis: 6000, memoryBytes: 24 * GiB },
          requested: { cpuMillis: 250, memoryBytes: GiB },
          usage: { cpuMillis: 120, memoryBytes: GiB },
        },
      },
    ]);
  });

  it("pushes first after a short delay, then on its interval, and survives a failed push", async () => {
    const { fake, logs } = await setup({ firstDelayMs: 5, intervalMs: 20 });
    fake.failNext("snapshots");
    await expect.poll(() => fake.snapshotsReceived.length, { timeout: 2_000 }).toBeGreaterThanOrEqual(2);
    expect(logs.some((l) => l.msg === "resource snapshot failed; retrying at the next tick")).toBe(true);
  });

  it("skips the push when the pods cannot be listed, and tries again next time", async () => {
    const { fake, kube, loop, logs } = await setup();
    kube.failNext("podRequestsByNode", new KubeError("cannot list pods: HTTP 403", { status: 403 }));
    await expect(loop.push()).resolves.toBe(false);
    expect(pushed(fake)).toHaveLength(0);
    expect(logs.find((l) => l.msg === "resource snapshot failed; retrying at the next tick")).toBeDefined();
    await expect(loop.push()).resolves.toBe(true);
  });

  it("reports zero usage without metrics-server, saying so once; a failing metrics read warns once", async () => {
    const { fake, kube, loop, logs } = await setup();
    kube.resourceReads.metricsAvailable = false;
    await loop.push();
    await loop.push();
    expect(fake.snapshotsReceived.map((s) => s.cluster?.usage)).toEqual([
      { cpuMillis: 0, memoryBytes: 0 },
      { cpuMillis: 0, memoryBytes: 0 },
    ]);
    const said = (msg: RegExp) => logs.filter((l) => msg.test(String(l.msg)));
    expect(said(/no metrics\.k8s\.io/).map((l) => l.level)).toEqual(["debug"]);

    kube.failNext("nodeUsage", new KubeError("cannot list node metrics: HTTP 403", { status: 403 }));
    kube.failNext("nodeUsage", new KubeError("cannot list node metrics: HTTP 403", { status: 403 }));
    await expect(loop.push()).resolves.toBe(true);
    await expect(loop.push()).resolves.toBe(true);
    expect(said(/cannot read node metrics/).map((l) => l.level)).toEqual(["warn"]);
    kube.resourceReads.metricsAvailable = true;
    await loop.push();
    expect(fake.snapshotsReceived.at(-1)?.cluster?.usage).toEqual({ cpuMillis: 120, memoryBytes: GiB });
    expect(said(/readable again/)).toHaveLength(1);
  });

  it("a standby replica reads and pushes nothing", async () => {
    const { fake, kube, loop, leadership } = await setup();
    leadership.leader = false;
    await expect(loop.push()).resolves.toBe(true);
    expect(pushed(fake)).toHaveLength(0);
    expect(kube.callsOf("podRequestsByNode")).toHaveLength(0);
  });

  it("stop waits for the push in flight and no push starts after it", async () => {
    const { fake, loop } = await setup({ firstDelayMs: 10, intervalMs: 10 });
    fake.latencyMs = 50;
    const first = loop.push();
    await expect.poll(() => fake.count("snapshots")).toBe(1);
    await loop.stop();
    await expect(first).resolves.toBe(true);
    expect(fake.snapshotsReceived).toHaveLength(1);
    await new Promise((r) => setTimeout(r, 60));
    expect(fake.count("snapshots")).toBe(1);
  });
});
