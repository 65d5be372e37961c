/** kubectl drain's pod rules (drain-plan.ts), shared by the real drain and FakeKube. */
import { describe, expect, it } from "vitest";
import { blockedMessage, planDrain } from "../../../../agent/kubernetes/drain-plan.ts";
import { testPod } from "../../../support/agent/kube-pods.ts";

const pods = [
  testPod({ name: "web", node: "n1" }),
  testPod({ name: "ds", node: "n1", owner: "DaemonSet" }),
  testPod({ name: "mirror", node: "n1", owner: "none", mirror: true }),
  testPod({ name: "bare", node: "n1", owner: "none" }),
  testPod({ name: "scratch", node: "n1", emptyDir: true }),
  testPod({ name: "bare-scratch", node: "n1", owner: "none", emptyDir: true }),
  testPod({ name: "done", node: "n1", owner: "none", emptyDir: true, phase: "Succeeded" }),
  testPod({ name: "failed-ds", node: "n1", owner: "DaemonSet", phase: "Failed" }),
];
const strict = { ignoreDaemonSets: false, deleteEmptyDirData: false, force: false };
const names = (keys: string[]) => keys.map((k) => k.split("/")[1]);

describe("planDrain", () => {
  it("blocks on DaemonSet, bare and emptyDir pods with strict options, with every reason", () => {
    const plan = planDrain(pods, strict);
    expect(plan.blocked).toEqual([
      { pod: "default/ds", reasons: ["DaemonSet-managed (set ignoreDaemonSets)"] },
      { pod: "default/bare", reasons: ["no controller (set force)"] },
      { pod: "default/scratch", reasons: ["emptyDir data (set deleteEmptyDirData)"] },
      {
        pod: "default/bare-scratch",
        reasons: ["no controller (set force)", "emptyDir data (set deleteEmptyDirData)"],
      },
    ]);
    expect(names(plan.skipped)).toEqual(["mirror", "done", "failed-ds"]);
    expect(plan.evict.map((p) => p.metadata?.name)).toEqual(["web"]);
  });

  it.each([
    [{ ...strict, ignoreDaemonSets: true }, ["bare", "scratch", "bare-scratch"], ["web"]],
    [{ ...strict, ignoreDaemonSets: true, force: true }, ["scratch", "bare-scratch"], ["web", "bare"]],
    [
      { ...strict, ignoreDaemonSets: true, deleteEmptyDirData: true },
      ["bare", "bare-scratch"],
      ["web", "scratch"],
    ],
    [
      { ignoreDaemonSets: true, deleteEmptyDirData: true, force: true },
      [],
      ["web", "bare", "scratch", "bare-scratch"],
    ],
  ])("with %o blocks %o and evicts %o", (options, blocked, evicted) => {
    const plan = planDrain(pods, options);
    expect(names(plan.blocked.map((b) => b.pod))).toEqual(blocked);
    expect(plan.evict.map((p) => p.metadata?.name)).toEqual(evicted);
  });

  it("leaves DaemonSet pods in place when ignoring them", () => {
    const plan = planDrain(pods, { ignoreDaemonSets: true, deleteEmptyDirData: true, force: true });
    expect(names(plan.skipped)).toEqual(["ds", "mirror", "done", "failed-ds"]);
  });

  it("names every blocking pod in one message, bounded", () => {
    const message = blockedMessage("n1", planDrain(pods, strict).blocked);
    expect(message).toBe(
      "cannot drain node n1: default/ds (DaemonSet-managed (set ignoreDaemonSets)), default/bare (no controller " +
        "(set force)), default/scratch (emptyDir data (set deleteEmptyDirData)), default/bare-scratch (no " +
        "controller (set force), emptyDir data (set deleteEmptyDirData))",
    );
    const many = Array.from({ length: 25 }, (_, i) => ({ pod: `default/p${i}`, reasons: ["x"] }));
    expect(blockedMessage("n1", many)).toMatch(/default\/p19 \(x\), and 5 more$/);
  });
});
