/** The indexed view: node groups, instances by status, counts and target size, lookups. */
import { describe, expect, it } from "vitest";
import { instanceOf } from "../../../agent/state/instances.ts";
import { buildView } from "../../../agent/state/view.ts";
import { fixtureMachine, fixtureMachines, fixturePool, fixtureState } from "../../support/agent/fixtures.ts";

describe("agent state view", () => {
  const gpu = fixturePool({
    name: "gpu",
    minSize: 1,
    maxSize: 8,
    template: { gpuCount: 1, gpuType: "a100" },
  });
  const off = fixturePool({ name: "off", autoscalingEnabled: false });
  const machines = [
    ...fixtureMachines(2, { poolId: gpu.id, status: "ready" }),
    fixtureMachine({ poolId: gpu.id, status: "joining" }),
    fixtureMachine({ poolId: gpu.id, status: "reserved" }),
    fixtureMachine({ poolId: gpu.id, status: "draining" }),
    fixtureMachine({ poolId: gpu.id, status: "fault", lastError: "kubeadm join: timeout" }),
    fixtureMachine({ poolId: gpu.id, status: "maintenance", resources: { gpuCount: 2, gpuType: "h100" } }),
    fixtureMachine({ poolId: off.id, status: "ready" }),
    fixtureMachine({ status: "available" }),
  ];
  const view = buildView(fixtureState({ pools: [gpu, off], machines }));

  it("lists only enabled pools as node groups, with counts in debug", () => {
    expect(view.nodeGroups).toEqual([
      {
        id: "gpu",
        minSize: 1,
        maxSize: 8,
        debug: "pool=gpu ready=2 joining=1 reserved=1 draining=1 leaving=0 fault=1 target=4",
      },
    ]);
    expect(view.poolsByName.get("off")?.group).toBeNull();
  });

  it("counts ready + joining + reserved as the target size and lists instances by state", () => {
    const pool = view.poolsByName.get("gpu")!;
    expect(pool.targetSize).toBe(4);
    const states = pool.instances.map((i) => i.info.state).sort();
    expect(states).toEqual(["creating", "creating", "creating", "deleting", "running", "running"]);
    const failed = pool.instances.find((i) => i.machine.status === "fault")!;
    expect(failed.info).toEqual({
      id: failed.machine.providerId,
      state: "creating",
      // the pool has no available machine left to try: OutOfResources, so CA backs the group off at once
      errorInfo: { errorCode: "join-failed", errorMessage: "kubeadm join: timeout", instanceErrorClass: 1 },
    });
  });

  it("tells CA a node the health checks faulted is unhealthy, not a failed join", () => {
    const broken = fixtureMachine({
      poolId: gpu.id,
      status: "fault",
      statusReason: "health: node n1 NotReady at 3 checks in a row, 60 s apart (threshold 3)",
    });
    const info = buildView(fixtureState({ pools: [gpu], machines: [broken] }))
      .poolsByName.get("gpu")!
      .instances.find((i) => i.machine.id === broken.id)?.info;
    expect(info?.errorInfo?.errorCode).toBe("unhealthy");
    expect(info?.state).toBe("creating");
  });

  it("classes a failed join Other while the pool still has a free machine, OutOfResources once it has none", () => {
    const failed = fixtureMachine({ poolId: gpu.id, status: "fault", lastError: "kubeadm exited 1" });
    const free = fixtureMachine({ poolId: gpu.id, status: "available" });
    const classOf = (list: typeof machines) =>
      buildView(fixtureState({ pools: [gpu], machines: list }))
        .poolsByName.get("gpu")!
        .instances.find((i) => i.machine.id === failed.id)?.info.errorInfo?.instanceErrorClass;
    expect(classOf([failed, free])).toBe(99);
    expect(classOf([failed, { ...free, status: "reserved" }])).toBe(1);
    expect(instanceOf(failed)?.errorInfo?.instanceErrorClass).toBe(99);
    expect(instanceOf(failed, { hasFreeMachine: false })?.errorInfo?.instanceErrorClass).toBe(1);
  });

  it("maps statuses to instances per the decisions", () => {
    const m = (status: Parameters<typeof fixtureMachine>[0]) => instanceOf(fixtureMachine(status));
    expect(m({ status: "available" })).toBeNull();
    expect(m({ status: "maintenance", poolId: gpu.id })).toBeNull();
    expect(m({ status: "fault" })).toBeNull(); // no provider id: never was an instance
    expect(m({ status: "leaving", poolId: gpu.id })?.state).toBe("deleting");
    expect(m({ status: "fault", poolId: gpu.id, statusReason: "ssh refused" })?.errorInfo?.errorMessage).toBe(
      "ssh refused",
    );
  });

  it("indexes instances of node groups by providerID and node name only", () => {
    const ready = machines[0]!;
    expect(view.instancesByProviderId.get(ready.providerId!)?.pool.pool.name).toBe("gpu");
    expect(view.instancesByNodeName.get(ready.nodeName!)?.machine.id).toBe(ready.id);
    const inDisabledPool = machines[7]!;
    expect(view.instancesByProviderId.has(inDisabledPool.providerId!)).toBe(false);
    expect(view.instancesByProviderId.size).toBe(6);
  });

  it("collects GPU types from templates and machines, and hides acknowledged failures", () => {
    expect(view.gpuTypes).toEqual(["a100", "h100"]);
    const fault = machines[5]!;
    const hidden = buildView(fixtureState({ pools: [gpu], machines }), new Set([fault.id]));
    expect(hidden.poolsByName.get("gpu")!.instances).toHaveLength(5);
    expect(hidden.instancesByProviderId.has(fault.providerId!)).toBe(false);
  });

  it("is empty before any state", () => {
    const empty = buildView(null);
    expect(empty.nodeGroups).toEqual([]);
    expect(empty.clusterId).toBeNull();
  });
});
