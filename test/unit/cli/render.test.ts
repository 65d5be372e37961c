import { describe, expect, it } from "vitest";
import { parse as parseYaml } from "yaml";
import { machineView } from "../../../cli/commands/machine.ts";
import { type PoolStatus, renderPoolStatus } from "../../../cli/commands/pool-status.ts";
import { formatAge, renderTable } from "../../../cli/output.ts";
import { renderChanges, renderList, renderOne } from "../../../cli/render.ts";
import { diffSnapshots } from "../../../cli/watch.ts";
import { CLUSTER_ID, machine, POOL_ID } from "../../support/cli/fixtures.ts";

const other = {
  ...machine,
  id: "m-2",
  hostname: "node-18.example.net",
  ip: "10.0.4.18",
  status: "fault" as const,
};
const view = machineView(new Map([[CLUSTER_ID, "demo"]]));

describe("output formats", () => {
  it("prints a kubectl-like table, wider with -o wide, without headers with --no-headers", () => {
    const table = renderList(view, [machine, other], { output: "table", noHeaders: false }).split("\n");
    expect(table[0]).toBe("HOSTNAME             IP         STATUS  CLUSTER  CPU  MEMORY  AGE");
    expect(table[1]).toMatch(
      /^node-17\.example\.net {2}10\.0\.4\.17 {2}ready {3}demo {5}8 {4}32 GiB {2}\d+d$/,
    );
    const wide = renderList(view, [machine], { output: "wide", noHeaders: false }).split("\n");
    expect(wide[0]).toMatch(/ {2}AGE +ID +POOL ID +ZONE +LABELS +REASON$/);
    expect(wide[1]).toContain(POOL_ID);
    const bare = renderList(view, [machine], { output: "table", noHeaders: true });
    expect(bare.split("\n")).toHaveLength(2);
    expect(bare.startsWith("node-17.example.net")).toBe(true);
  });

  it("prints JSON and YAML that parse back to the API's objects, and kind/name lines", () => {
    expect(JSON.parse(renderList(view, [machine, other], { output: "json", noHeaders: false }))).toEqual([
      machine,
      other,
    ]);
    const long = { ...machine, statusReason: `${"x".repeat(200)}: "quoted" # not a comment` };
    expect(parseYaml(renderOne(view, long, { output: "yaml", noHeaders: false }))).toEqual(long);
    expect(renderList(view, [machine, other], { output: "name", noHeaders: false })).toBe(
      "machine/node-17.example.net\nmachine/node-18.example.net\n",
    );
    expect(renderOne(view, machine, { output: "table", noHeaders: false })).toContain(
      "Hostname:        node-17.example.net\n",
    );
  });

  it("renders table cells on one line and trims trailing blanks", () => {
    expect(renderTable(["A", "B"], [["x\ny", ""]])).toBe("A    B\nx y\n");
    expect(
      renderTable(
        ["NAME", "NOTE"],
        [
          ["a", ""],
          ["bb", "c"],
        ],
      ),
    ).toBe("NAME  NOTE\na\nbb    c\n");
    expect(renderTable(null, [])).toBe("");
  });

  it("says how old a time is as kubectl does", () => {
    const now = Date.parse("2026-01-10T00:00:00Z");
    expect(formatAge("2026-01-09T23:59:15Z", now)).toBe("45s");
    expect(formatAge("2026-01-09T23:00:00Z", now)).toBe("60m");
    expect(formatAge("2026-01-09T00:00:00Z", now)).toBe("24h");
    expect(formatAge("2026-01-01T00:00:00Z", now)).toBe("9d");
    expect(formatAge(null, now)).toBe("<none>");
  });
});

describe("--watch", () => {
  it("finds what was added, modified and deleted between two polls", () => {
    const before = new Map([
      ["a", { id: "a", v: 1 }],
      ["b", { id: "b", v: 1 }],
    ]);
    const after = new Map([
      ["a", { id: "a", v: 2 }],
      ["c", { id: "c", v: 1 }],
    ]);
    expect(diffSnapshots(before, after)).toEqual([
      { type: "MODIFIED", object: { id: "a", v: 2 } },
      { type: "ADDED", object: { id: "c", v: 1 } },
      { type: "DELETED", object: { id: "b", v: 1 } },
    ]);
    expect(diffSnapshots(after, after)).toEqual([]);
  });

  it("prints changes as table rows led by the change, JSON lines, YAML documents or names", () => {
    const changes = [
      { type: "ADDED" as const, object: machine },
      { type: "DELETED" as const, object: other },
    ];
    const table = renderChanges(view, changes, { output: "table", noHeaders: false }, true).split("\n");
    expect(table[0]).toMatch(/^CHANGE {3}HOSTNAME/);
    expect(table[2]).toMatch(/^DELETED {2}node-18/);
    expect(renderChanges(view, changes, { output: "table", noHeaders: false }, false)).not.toContain(
      "HOSTNAME",
    );
    const lines = renderChanges(view, changes, { output: "json", noHeaders: false }, true).trim().split("\n");
    expect(lines.map((line) => JSON.parse(line))).toEqual(changes);
    const docs = renderChanges(view, changes, { output: "yaml", noHeaders: false }, true)
      .split(/^---\n/m)
      .filter(Boolean)
      .map((doc) => parseYaml(doc));
    expect(docs).toEqual(changes);
    expect(renderChanges(view, [], { output: "json", noHeaders: false }, true)).toBe("");
  });
});

describe("ksp pool status", () => {
  const status: Omit<PoolStatus, "scaling"> = {
    clusterId: CLUSTER_ID,
    poolId: POOL_ID,
    name: "workers",
    minSize: 1,
    maxSize: 3,
    autoscalingEnabled: true,
    counts: {
      available: 0,
      reserved: 0,
      joining: 1,
      ready: 3,
      draining: 0,
      leaving: 0,
      maintenance: 0,
      fault: 1,
      archived: 0,
    } as PoolStatus["counts"],
    total: 5,
    target: 4,
    inUse: 4,
    events: [],
  };
  const now = Date.parse("2026-01-01T01:00:00Z");

  it("explains why the pool did not scale: decisions with their reasons, and the machines holding it back", () => {
    const text = renderPoolStatus(
      {
        ...status,
        scaling: {
          lastScaleUp: {
            at: "2026-01-01T00:59:00Z",
            direction: "up",
            requested: 2,
            granted: 0,
            outcome: "refused",
            reasons: [
              { code: "max_size_reached", message: "the pool's max size 3 caps it" },
              { code: "requirements_unmet", message: "minCpuCores rules out 4 of 5 free machines", count: 4 },
            ],
            firstAt: "2026-01-01T00:30:00Z",
            repeats: 12,
          },
          lastScaleDown: null,
          blockers: [
            {
              machineId: "m",
              machineName: "node-9",
              kind: "fault",
              reason: "psu",
              since: "2026-01-01T00:00:00Z",
            },
          ],
        },
      },
      "demo",
      now,
    );
    expect(text).toContain("Pool:         demo/workers\n");
    expect(text).toContain("Bounds:       min 1, max 3\n");
    expect(text).toContain("Machines:     5 (joining 1, ready 3, fault 1)\n");
    expect(text).toContain(
      "  Last scale-up: refused, 0 of 2 granted (2026-01-01T00:59:00Z, 60s ago; 12 times since 2026-01-01T00:30:00Z)\n" +
        "    - max_size_reached: the pool's max size 3 caps it\n" +
        "    - requirements_unmet: minCpuCores rules out 4 of 5 free machines (4 machines)\n" +
        "  Last scale-down: none recorded\n",
    );
    expect(text).toMatch(
      / {2}Blockers:\n {4}MACHINE {2}KIND {3}SINCE {2}REASON\n {4}node-9 {3}fault {2}60m {4}psu\n/,
    );
  });

  it("says when the control plane reports no scaling section", () => {
    expect(renderPoolStatus(status, "demo", now)).toContain(
      "Why didn't it scale: not reported by this control plane\n",
    );
  });
});
