import { describe, expect, it } from "vitest";
import {
  canTransition,
  IN_USE_STATES,
  isMachineState,
  MACHINE_STATES,
  MACHINE_TRANSITIONS,
  type MachineState,
} from "../../../proto/machine-states.ts";

// The lifecycle as specified, written out independently of the implementation:
// rows are "from", columns are "to"; 1 = allowed.
const COLUMNS = [
  "available",
  "reserved",
  "joining",
  "ready",
  "draining",
  "leaving",
  "fault",
  "maintenance",
  "archived",
];
// biome-ignore format: the aligned matrix is the point
const EXPECTED: Record<string, number[]> = {
  //           avail res join ready drain leave fault maint arch
  available:   [0,    1,  0,   0,    0,    0,    1,    1,    1],
  reserved:    [1,    0,  1,   0,    0,    0,    1,    0,    0],
  joining:     [1,    0,  0,   1,    0,    1,    1,    0,    0],
  ready:       [0,    0,  0,   0,    1,    0,    1,    1,    0],
  draining:    [0,    0,  0,   1,    0,    1,    1,    1,    0],
  leaving:     [1,    0,  0,   0,    0,    0,    1,    1,    0],
  fault:       [1,    0,  0,   0,    0,    0,    0,    1,    1],
  maintenance: [1,    0,  0,   1,    0,    0,    0,    0,    1],
  archived:    [1,    0,  0,   0,    0,    0,    0,    0,    0],
};

describe("machine state table", () => {
  it("has exactly the nine states, each with an entry", () => {
    expect([...MACHINE_STATES]).toEqual(COLUMNS);
    expect(Object.keys(MACHINE_TRANSITIONS).sort()).toEqual([...COLUMNS].sort());
    expect(Object.keys(EXPECTED).sort()).toEqual([...COLUMNS].sort());
  });

  it("lists only known states as targets, without duplicates", () => {
    for (const from of MACHINE_STATES) {
      const targets = MACHINE_TRANSITIONS[from];
      expect(targets.every(isMachineState), from).toBe(true);
      expect(new Set(targets).size, from).toBe(targets.length);
    }
  });

  const pairs = MACHINE_STATES.flatMap((from) => MACHINE_STATES.map((to) => [from, to] as const));

  it("classifies all 81 pairs", () => {
    expect(pairs).toHaveLength(81);
    const allowed = pairs.filter(([f, t]) => canTransition(f, t)).length;
    const expectedAllowed = Object.values(EXPECTED)
      .flat()
      .filter((v) => v === 1).length;
    expect(allowed).toBe(expectedAllowed);
    expect(allowed).toBe(28);
  });

  it.each(pairs)("%s → %s matches the specified table", (from: MachineState, to: MachineState) => {
    const expected = EXPECTED[from]![COLUMNS.indexOf(to)] === 1;
    expect(canTransition(from, to)).toBe(expected);
  });

  it("never allows staying in place (a transition must change the state)", () => {
    for (const s of MACHINE_STATES) expect(canTransition(s, s), s).toBe(false);
  });

  it("counts reserved through leaving as in use", () => {
    expect([...IN_USE_STATES].sort()).toEqual(["draining", "joining", "leaving", "ready", "reserved"]);
  });

  it("recognises states", () => {
    expect(isMachineState("ready")).toBe(true);
    expect(isMachineState("deleted")).toBe(false);
    expect(isMachineState(3)).toBe(false);
  });
});
