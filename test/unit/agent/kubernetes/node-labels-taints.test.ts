/** What ensureLabelsAndTaints adds (node-labels-taints.ts), shared by the real adapter and FakeKube. */
import { describe, expect, it } from "vitest";
import { missingLabels, missingTaints, taintId } from "../../../../agent/kubernetes/node-labels-taints.ts";

describe("missingLabels", () => {
  it("returns absent labels and those with another value", () => {
    expect(missingLabels({ a: "1", b: "2" }, { a: "1", b: "3", c: "4" })).toEqual({ b: "3", c: "4" });
    expect(missingLabels(undefined, { a: "1" })).toEqual({ a: "1" });
    expect(missingLabels({ a: "1" }, {})).toEqual({});
  });
});

describe("missingTaints", () => {
  it("identifies taints by key and effect, and adds each once", () => {
    const current = [{ key: "k", value: "operator", effect: "NoSchedule" }];
    expect(
      missingTaints(current, [
        { key: "k", value: "pool", effect: "NoSchedule" },
        { key: "k", effect: "NoExecute" },
        { key: "k", effect: "NoExecute" },
        { key: "x", value: "", effect: "PreferNoSchedule" },
      ]),
    ).toEqual([
      { key: "k", effect: "NoExecute" },
      { key: "x", value: "", effect: "PreferNoSchedule" },
    ]);
    expect(missingTaints(undefined, [])).toEqual([]);
  });

  it("reports a taint as key:Effect", () => {
    expect(taintId({ key: "gpu", effect: "NoSchedule" })).toBe("gpu:NoSchedule");
  });
});
