import { describe, expect, it } from "vitest";
import { type AppError, isAppError } from "../../../../../functions/lib/errors.ts";
import {
  canonicalGroups,
  canonicalTemplate,
  checkGroups,
  checkTemplate,
  MAX_BLOCKS_PER_GROUP,
  MAX_GROUPS,
  MAX_SET_VALUES,
  MAX_STRING_LENGTH,
  type QueryBlock,
  type QueryTemplateBody,
} from "../../../../../functions/services/device-query/template.ts";

/** A template of one "and" group around `blocks`, at groups[0]. */
const around = (...blocks: unknown[]): QueryTemplateBody =>
  ({ logic: "and", groups: [{ logic: "and", blocks }] }) as QueryTemplateBody;

function refusal(run: () => void): AppError {
  try {
    run();
  } catch (err) {
    if (isAppError(err)) return err;
    throw err;
  }
  throw new Error("accepted, but should have been refused");
}

/** The path a refused template names, after checking message and details agree. */
function refusedAt(template: unknown, path?: string): string {
  const err = refusal(() => checkTemplate(template as QueryTemplateBody, path));
  expect(err.code).toBe("validation_failed");
  const at = err.details?.path as string;
  expect(err.message.startsWith(`${at}: `)).toBe(true);
  return at;
}

describe("checkTemplate accepts", () => {
  it("every operator where it applies, with the value it takes", () => {
    const blocks: QueryBlock[] = [
      { type: "device", key: "cpuCores", operator: "gte", value: 8 },
      { type: "device", key: "memoryBytes", operator: "lt", value: 2.5e11 },
      { type: "device", key: "gpuCount", operator: "in", value: [0, 1, 8] },
      { type: "device", key: "gpuCount", operator: "notin", value: [2] },
      { type: "device", key: "cpuCores", operator: "eq", value: 0 },
      { type: "device", key: "cpuCores", operator: "ne", value: -1 },
      { type: "device", key: "cpuCores", operator: "exists" },
      { type: "device", key: "memoryBytes", operator: "notexists" },
      { type: "device", key: "gpuType", operator: "eq", value: "a100" },
      { type: "device", key: "region", operator: "ne", value: "" },
      { type: "device", key: "zone", operator: "in", value: ["a", "b"] },
      { type: "device", key: "rack", operator: "contains", value: "50%_off\\'\"" },
      { type: "device", key: "hostname", operator: "exists" },
      { type: "device", key: "osImage", operator: "notexists" },
      { type: "device", key: "kernelVersion", operator: "notin", value: ["6.1"] },
      { type: "device", key: "kubeletVersion", operator: "contains", value: "v1.3" },
      { type: "device", key: "status", operator: "in", value: ["ready", "available"] },
      { type: "device", key: "status", operator: "contains", value: "ai" },
      { type: "device", key: "ip", operator: "eq", value: "10.0.0.1" },
      { type: "device", key: "ip", operator: "in", value: ["fd00::1", "::ffff:10.0.0.2"] },
      { type: "device", key: "ip", operator: "contains", value: "10." },
      { type: "device", key: "tags", operator: "contains", value: "gpu" },
      { type: "device", key: "tags", operator: "in", value: ["a", "b"] },
      { type: "device", key: "tags", operator: "notin", value: ["c"] },
      { type: "device", key: "tags", operator: "exists" },
      { type: "device", key: "tags", operator: "notexists" },
      { type: "nodeLabel", key: "example.com/tier", operator: "eq", value: "db" },
      { type: "nodeLabel", key: "env", operator: "contains", value: "pro" },
      { type: "nodeLabel", key: "env", operator: "notexists" },
      { type: "taint", key: "dedicated", operator: "exists" },
      { type: "taint", key: "dedicated", operator: "exists", value: "gpu" },
      { type: "taint", key: "node.kubernetes.io/unschedulable", operator: "notexists", value: "" },
      { type: "taint", key: "dedicated", operator: "notin", value: ["a", "b"] },
    ];
    expect(() => checkTemplate({ logic: "or", groups: [{ logic: "and", blocks }] })).not.toThrow();
  });

  it("a template without groups (it matches every machine) and the limits themselves", () => {
    expect(() => checkTemplate({ logic: "and", groups: [] })).not.toThrow();
    const block: QueryBlock = { type: "device", key: "status", operator: "exists" };
    const full: QueryTemplateBody = {
      logic: "and",
      groups: Array.from({ length: MAX_GROUPS }, () => ({
        logic: "or" as const,
        blocks: Array.from({ length: MAX_BLOCKS_PER_GROUP }, () => block),
      })),
    };
    expect(() => checkTemplate(full)).not.toThrow();
    expect(() =>
      checkTemplate(
        around(
          {
            type: "device",
            key: "zone",
            operator: "in",
            value: Array.from({ length: MAX_SET_VALUES }, String),
          },
          { type: "device", key: "zone", operator: "eq", value: "z".repeat(MAX_STRING_LENGTH) },
          { type: "nodeLabel", key: `${"a".repeat(253)}/${"b".repeat(63)}`, operator: "exists" },
        ),
      ),
    ).not.toThrow();
  });
});

describe("checkTemplate refuses, naming the path", () => {
  const refused: [string, unknown, string][] = [
    ["a template that is not an object", null, "template"],
    ["an unknown template logic", { logic: "xor", groups: [] }, "logic"],
    ["groups that are not an array", { logic: "and", groups: {} }, "groups"],
    [
      "too many groups",
      { logic: "and", groups: Array.from({ length: MAX_GROUPS + 1 }, () => around().groups[0]) },
      "groups",
    ],
    ["a group that is not an object", { logic: "and", groups: ["x"] }, "groups[0]"],
    ["an unknown group logic", { logic: "and", groups: [{ logic: "AND", blocks: [] }] }, "groups[0].logic"],
    ["a group without blocks", around(), "groups[0].blocks"],
    ["blocks that are not an array", { logic: "and", groups: [{ logic: "and" }] }, "groups[0].blocks"],
    [
      "too many blocks",
      around(
        ...Array.from({ length: MAX_BLOCKS_PER_GROUP + 1 }, () => ({
          type: "device",
          key: "zone",
          operator: "exists",
        })),
      ),
      "groups[0].blocks",
    ],
    ["a block that is not an object", around(7), "groups[0].blocks[0]"],
    [
      "an unknown type",
      around({ type: "label", key: "env", operator: "exists" }),
      "groups[0].blocks[0].type",
    ],
    [
      "an unknown device field",
      around({ type: "device", key: "cpu_cores", operator: "exists" }),
      "groups[0].blocks[0].key",
    ],
    [
      "a device field of the schema the API does not show",
      around({ type: "device", key: "sshKeyRef", operator: "exists" }),
      "groups[0].blocks[0].key",
    ],
    [
      "a key that is not a string",
      around({ type: "device", key: 3, operator: "exists" }),
      "groups[0].blocks[0].key",
    ],
    [
      "an invalid label key",
      around({ type: "nodeLabel", key: "-bad", operator: "exists" }),
      "groups[0].blocks[0].key",
    ],
    [
      "a label key longer than 317 characters",
      around({ type: "nodeLabel", key: `${"a".repeat(254)}/${"b".repeat(63)}`, operator: "exists" }),
      "groups[0].blocks[0].key",
    ],
    [
      "an invalid taint key",
      around({ type: "taint", key: "a b", operator: "exists" }),
      "groups[0].blocks[0].key",
    ],
    [
      "an unknown operator",
      around({ type: "device", key: "zone", operator: "like" }),
      "groups[0].blocks[0].operator",
    ],
    [
      "gt on a string field",
      around({ type: "device", key: "zone", operator: "gt", value: 1 }),
      "groups[0].blocks[0].operator",
    ],
    [
      "contains on a number field",
      around({ type: "device", key: "cpuCores", operator: "contains", value: 1 }),
      "groups[0].blocks[0].operator",
    ],
    [
      "eq on tags",
      around({ type: "device", key: "tags", operator: "eq", value: "x" }),
      "groups[0].blocks[0].operator",
    ],
    [
      "lte on a label",
      around({ type: "nodeLabel", key: "env", operator: "lte", value: 1 }),
      "groups[0].blocks[0].operator",
    ],
    [
      "gte on a taint",
      around({ type: "taint", key: "t", operator: "gte", value: 1 }),
      "groups[0].blocks[0].operator",
    ],
    ["a missing value", around({ type: "device", key: "zone", operator: "eq" }), "groups[0].blocks[0].value"],
    [
      "a value on exists",
      around({ type: "device", key: "zone", operator: "exists", value: "a" }),
      "groups[0].blocks[0].value",
    ],
    [
      "a value on a label's notexists",
      around({ type: "nodeLabel", key: "env", operator: "notexists", value: "a" }),
      "groups[0].blocks[0].value",
    ],
    [
      "a taint exists value that is not a string",
      around({ type: "taint", key: "t", operator: "exists", value: 1 }),
      "groups[0].blocks[0].value",
    ],
    [
      "a string for a number field",
      around({ type: "device", key: "cpuCores", operator: "gt", value: "8" }),
      "groups[0].blocks[0].value",
    ],
    [
      "a number that is not finite",
      around({ type: "device", key: "cpuCores", operator: "lt", value: Number.POSITIVE_INFINITY }),
      "groups[0].blocks[0].value",
    ],
    [
      "a number for a string field",
      around({ type: "device", key: "zone", operator: "eq", value: 1 }),
      "groups[0].blocks[0].value",
    ],
    [
      "an array for eq",
      around({ type: "device", key: "zone", operator: "eq", value: ["a"] }),
      "groups[0].blocks[0].value",
    ],
    [
      "a scalar for in",
      around({ type: "device", key: "zone", operator: "in", value: "a" }),
      "groups[0].blocks[0].value",
    ],
    [
      "an empty array for notin",
      around({ type: "device", key: "zone", operator: "notin", value: [] }),
      "groups[0].blocks[0].value",
    ],
    [
      "more than 100 values",
      around({
        type: "device",
        key: "zone",
        operator: "in",
        value: Array.from({ length: MAX_SET_VALUES + 1 }, String),
      }),
      "groups[0].blocks[0].value",
    ],
    [
      "a wrong item of in",
      around({ type: "device", key: "gpuCount", operator: "in", value: [1, "2"] }),
      "groups[0].blocks[0].value[1]",
    ],
    [
      "a string longer than 256 characters",
      around({
        type: "nodeLabel",
        key: "env",
        operator: "contains",
        value: "x".repeat(MAX_STRING_LENGTH + 1),
      }),
      "groups[0].blocks[0].value",
    ],
    [
      "a NUL character",
      around({ type: "device", key: "rack", operator: "eq", value: "a\u0000b" }),
      "groups[0].blocks[0].value",
    ],
    [
      "a status that is no machine state",
      around({ type: "device", key: "status", operator: "eq", value: "running" }),
      "groups[0].blocks[0].value",
    ],
    [
      "a status item that is no machine state",
      around({ type: "device", key: "status", operator: "notin", value: ["ready", "Ready"] }),
      "groups[0].blocks[0].value[1]",
    ],
    [
      "an ip that is no address",
      around({ type: "device", key: "ip", operator: "ne", value: "10.0.0" }),
      "groups[0].blocks[0].value",
    ],
    [
      "an ip item that is no address",
      around({ type: "device", key: "ip", operator: "in", value: ["10.0.0.1", "010.0.0.2"] }),
      "groups[0].blocks[0].value[1]",
    ],
  ];

  for (const [what, template, path] of refused) {
    it(what, () => {
      expect(refusedAt(template)).toBe(path);
    });
  }

  it("names the exact group and block, under a prefix when given", () => {
    const template = {
      logic: "or",
      groups: [
        { logic: "and", blocks: [{ type: "device", key: "zone", operator: "exists" }] },
        {
          logic: "or",
          blocks: [
            { type: "device", key: "zone", operator: "exists" },
            { type: "device", key: "zone", operator: "exists" },
            { type: "device", key: "zone", operator: "between", value: [1, 2] },
          ],
        },
      ],
    };
    expect(refusedAt(template)).toBe("groups[1].blocks[2].operator");
    expect(refusedAt(template, "template")).toBe("template.groups[1].blocks[2].operator");
    const err = refusal(() => checkTemplate(template as QueryTemplateBody));
    expect(err.message).toContain('"between" is not an operator');
  });

  it("checks extra groups under their own path", () => {
    const extra = [
      {
        logic: "and",
        blocks: [
          { type: "device", key: "zone", operator: "exists" },
          { type: "taint", key: "t", operator: "exists" },
          { type: "nodeLabel", key: "env", operator: "in", value: [1] },
        ],
      },
    ];
    const err = refusal(() => checkGroups(extra as never, "extra"));
    expect(err.details?.path).toBe("extra[0].blocks[2].value[0]");
  });
});

describe("canonicalTemplate", () => {
  it("keeps only the known properties, drops null values and spells addresses canonically", () => {
    const template = {
      logic: "and",
      groups: [
        {
          logic: "or",
          extra: true,
          blocks: [
            {
              type: "device",
              key: "ip",
              operator: "in",
              value: ["::ffff:10.0.0.1", "FD00:0:0::1"],
              note: "x",
            },
            { type: "device", key: "ip", operator: "contains", value: "FD00" },
            { type: "taint", key: "t", operator: "exists", value: null },
          ],
        },
      ],
    } as unknown as QueryTemplateBody;
    checkTemplate(template);
    expect(canonicalTemplate(template)).toEqual({
      logic: "and",
      groups: [
        {
          logic: "or",
          blocks: [
            { type: "device", key: "ip", operator: "in", value: ["10.0.0.1", "fd00::1"] },
            { type: "device", key: "ip", operator: "contains", value: "FD00" },
            { type: "taint", key: "t", operator: "exists" },
          ],
        },
      ],
    });
    expect(canonicalGroups([])).toEqual([]);
  });
});
