/** NodeInfo from a V1Node, and the name/providerID index the informer keeps. */
import type { V1Node } from "@kubernetes/client-node";
import { describe, expect, it } from "vitest";
import { NodeIndex, toNodeInfo } from "../../../../agent/kubernetes/node-info.ts";
import type { NodeInfo } from "../../../../agent/kubernetes/types.ts";

const info = (name: string, providerId: string | null): NodeInfo => ({
  name,
  uid: `uid-${name}`,
  providerId,
  ready: true,
  labels: {},
  taints: [],
  unschedulable: false,
  cordonedFor: null,
  deleting: false,
  capacity: { cpuMillis: 0, memoryBytes: 0 },
  allocatable: { cpuMillis: 0, memoryBytes: 0 },
});

describe("toNodeInfo", () => {
  it("takes what the lifecycle decides on, from typed or raw objects", () => {
    const node: V1Node = {
      metadata: {
        name: "n1",
        uid: "u1",
        labels: { a: "b" },
        annotations: { "ksp.io/cordoned-for": "maintenance", "other/annotation": "not kept" },
        deletionTimestamp: new Date(),
      },
      spec: {
        providerID: "ksp://m1",
        unschedulable: true,
        taints: [
          { key: "k", value: "v", effect: "NoSchedule", timeAdded: new Date() },
          { key: "bare", effect: "NoExecute" },
        ],
      },
      status: {
        conditions: [
          { type: "MemoryPressure", status: "False" },
          { type: "Ready", status: "True" },
        ],
      },
    };
    expect(toNodeInfo(node)).toEqual({
      name: "n1",
      uid: "u1",
      providerId: "ksp://m1",
      ready: true,
      labels: { a: "b" },
      taints: [
        { key: "k", value: "v", effect: "NoSchedule" },
        { key: "bare", effect: "NoExecute" },
      ],
      unschedulable: true,
      cordonedFor: "maintenance",
      deleting: true,
      capacity: { cpuMillis: 0, memoryBytes: 0 },
      allocatable: { cpuMillis: 0, memoryBytes: 0 },
    });
    const raw = { metadata: { name: "n2", deletionTimestamp: "2026-01-01T00:00:00Z" } } as unknown as V1Node;
    expect(toNodeInfo(raw)).toMatchObject({
      deleting: true,
      ready: false,
      providerId: null,
      taints: [],
      cordonedFor: null,
    });
  });

  it("reads cpu and memory capacity and allocatable; missing or malformed ones are zero", () => {
    const node: V1Node = {
      metadata: { name: "n" },
      status: {
        capacity: { cpu: "4", memory: "16318232Ki", pods: "110" },
        allocatable: { cpu: "3800m", memory: "15.5Gi" },
      },
    };
    expect(toNodeInfo(node)).toMatchObject({
      capacity: { cpuMillis: 4000, memoryBytes: 16318232 * 1024 },
      allocatable: { cpuMillis: 3800, memoryBytes: 15.5 * 2 ** 30 },
    });
    const odd = toNodeInfo({
      metadata: { name: "n" },
      status: { capacity: { cpu: "lots", memory: "-1Gi" } },
    });
    expect(odd.capacity).toEqual({ cpuMillis: 0, memoryBytes: 0 });
    expect(odd.allocatable).toEqual({ cpuMillis: 0, memoryBytes: 0 });
  });

  it.each([
    ["no Ready condition", [], false],
    ["Ready False", [{ type: "Ready", status: "False" }], false],
    ["Ready Unknown", [{ type: "Ready", status: "Unknown" }], false],
  ])("is not ready with %s", (_label, conditions, ready) => {
    expect(toNodeInfo({ metadata: { name: "n" }, status: { conditions } }).ready).toBe(ready);
  });

  it("treats an empty providerID as none and freezes the result", () => {
    const result = toNodeInfo({ metadata: { name: "n" }, spec: { providerID: "" } });
    expect(result.providerId).toBeNull();
    expect(Object.isFrozen(result)).toBe(true);
    expect(Object.isFrozen(result.labels)).toBe(true);
  });
});

describe("NodeIndex", () => {
  it("follows a providerID to the Node that claims it last and falls back when that one goes", () => {
    const index = new NodeIndex();
    index.upsert(info("old", "ksp://m1"));
    index.upsert(info("new", "ksp://m1"));
    expect(index.byProviderId("ksp://m1")?.name).toBe("new");
    index.remove("new");
    expect(index.byProviderId("ksp://m1")?.name).toBe("old");
    index.remove("old");
    expect(index.byProviderId("ksp://m1")).toBeUndefined();
  });

  it("moves the entry when a Node's providerID changes, leaving another Node's claim alone", () => {
    const index = new NodeIndex();
    index.upsert(info("a", "ksp://1"));
    index.upsert(info("b", "ksp://2"));
    index.upsert(info("a", "ksp://3"));
    expect(index.byProviderId("ksp://1")).toBeUndefined();
    expect(index.byProviderId("ksp://3")?.name).toBe("a");
    index.upsert(info("a", null));
    expect(index.byProviderId("ksp://3")).toBeUndefined();
    expect(index.byProviderId("ksp://2")?.name).toBe("b");
    index.replaceAll([info("c", "ksp://2")]);
    expect(index.list().map((n) => n.name)).toEqual(["c"]);
    expect(index.byProviderId("ksp://2")?.name).toBe("c");
  });
});
