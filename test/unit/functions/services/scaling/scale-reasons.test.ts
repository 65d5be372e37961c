import { describe, expect, it } from "vitest";
import {
  decisionSignature,
  IDENTITY_SCOPE,
  maxSizeReason,
  outcomeOf,
  rankExclusions,
  shortfallReasons,
} from "../../../../../functions/services/scaling/scale-reasons.ts";

describe("scale reasons", () => {
  it("names the outcome from requested and granted", () => {
    expect(outcomeOf(3, 3)).toBe("granted");
    expect(outcomeOf(3, 1)).toBe("partial");
    expect(outcomeOf(3, 0)).toBe("refused");
  });

  it("ranks exclusions most first, keeps requirement order on ties, drops the ones that ruled nothing out", () => {
    expect(
      rankExclusions([
        { requirement: "minCpuCores", count: 2 },
        { requirement: "machineLabels gpu=a100", count: 7 },
        { requirement: "zones", count: 0 },
        { requirement: "regions", count: 2 },
      ]),
    ).toEqual([
      { requirement: "machineLabels gpu=a100", count: 7 },
      { requirement: "minCpuCores", count: 2 },
      { requirement: "regions", count: 2 },
    ]);
  });

  it("says no_free_machine alone when nothing is available at all", () => {
    const reasons = shortfallReasons({ own: 0, free: 0, fitting: 0, excluded: [] }, 2, 0);
    expect(reasons).toEqual([expect.objectContaining({ code: "no_free_machine", count: 0 })]);
  });

  it("puts the requirement that ruled out the most first, then the summary", () => {
    const reasons = shortfallReasons(
      {
        own: 1,
        free: 9,
        fitting: 1,
        excluded: [
          { requirement: "minCpuCores", count: 3 },
          { requirement: "machineLabels gpu=a100", count: 7 },
          { requirement: IDENTITY_SCOPE, count: 1 },
        ],
      },
      3,
      2,
    );
    expect(reasons.map((r) => [r.code, r.requirement ?? null, r.count])).toEqual([
      ["requirements_unmet", "machineLabels gpu=a100", 7],
      ["requirements_unmet", "minCpuCores", 3],
      ["cluster_scope", null, 1],
      ["not_enough_machines", null, 2],
    ]);
    expect(reasons[0]!.message).toBe("requirement machineLabels gpu=a100 rules out 7 of 9 free machines");
  });

  it("tells fitting machines held by another request from missing ones", () => {
    const reasons = shortfallReasons({ own: 0, free: 5, fitting: 5, excluded: [] }, 5, 3);
    expect(reasons.map((r) => [r.code, r.count])).toEqual([
      ["machines_busy", 2],
      ["not_enough_machines", 3],
    ]);
  });

  it("words the max-size cap with the room left", () => {
    expect(maxSizeReason(4, 5, 3)).toEqual({
      code: "max_size_reached",
      message: "pool has 4 of at most 5 machines: room for 1, 3 requested",
      count: 1,
    });
  });

  it("treats refusals with the same codes and requirements as the same decision, whatever the counts", () => {
    const a = shortfallReasons(
      { own: 0, free: 9, fitting: 1, excluded: [{ requirement: "zones", count: 8 }] },
      3,
      1,
    );
    const b = shortfallReasons(
      { own: 0, free: 10, fitting: 1, excluded: [{ requirement: "zones", count: 9 }] },
      3,
      1,
    );
    expect(decisionSignature(3, a)).toBe(decisionSignature(3, b));
    expect(decisionSignature(2, a)).not.toBe(decisionSignature(3, a));
    expect(decisionSignature(3, a)).not.toBe(decisionSignature(3, [maxSizeReason(5, 5, 3)]));
  });
});
