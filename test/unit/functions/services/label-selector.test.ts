import { describe, expect, it } from "vitest";
import { isAppError } from "../../../../functions/lib/errors.ts";
import {
  MAX_SELECTOR_REQUIREMENTS,
  MAX_SET_VALUES,
  parseLabelSelector,
} from "../../../../functions/services/label-selector.ts";

function failure(selector: string) {
  try {
    parseLabelSelector(selector);
  } catch (err) {
    if (isAppError(err)) return err;
    throw err;
  }
  throw new Error(`"${selector}" parsed, but should not`);
}

describe("parseLabelSelector", () => {
  it("parses equality in all three spellings", () => {
    expect(parseLabelSelector("env=prod")).toEqual([{ key: "env", op: "=", value: "prod" }]);
    expect(parseLabelSelector("env==prod")).toEqual([{ key: "env", op: "=", value: "prod" }]);
    expect(parseLabelSelector("env!=prod")).toEqual([{ key: "env", op: "!=", value: "prod" }]);
  });

  it("parses set membership, trimming spaces around values", () => {
    expect(parseLabelSelector("zone in (a, b ,c)")).toEqual([
      { key: "zone", op: "in", values: ["a", "b", "c"] },
    ]);
    expect(parseLabelSelector("zone notin (a)")).toEqual([{ key: "zone", op: "notin", values: ["a"] }]);
    expect(parseLabelSelector("zone in(a)")).toEqual([{ key: "zone", op: "in", values: ["a"] }]);
  });

  it("parses existence and absence", () => {
    expect(parseLabelSelector("gpu")).toEqual([{ key: "gpu", op: "exists" }]);
    expect(parseLabelSelector("!legacy")).toEqual([{ key: "legacy", op: "!exists" }]);
    expect(parseLabelSelector("! legacy")).toEqual([{ key: "legacy", op: "!exists" }]);
  });

  it("parses a comma-separated mix with prefixed keys and spaces", () => {
    expect(
      parseLabelSelector(" ksp.io/role = worker , tier != db, gpu, !legacy, zone in (a,b), rack notin (r1) "),
    ).toEqual([
      { key: "ksp.io/role", op: "=", value: "worker" },
      { key: "tier", op: "!=", value: "db" },
      { key: "gpu", op: "exists" },
      { key: "legacy", op: "!exists" },
      { key: "zone", op: "in", values: ["a", "b"] },
      { key: "rack", op: "notin", values: ["r1"] },
    ]);
  });

  it("accepts empty values where Kubernetes does", () => {
    expect(parseLabelSelector("env=")).toEqual([{ key: "env", op: "=", value: "" }]);
    expect(parseLabelSelector("env=,gpu")).toEqual([
      { key: "env", op: "=", value: "" },
      { key: "gpu", op: "exists" },
    ]);
    expect(parseLabelSelector("zone in (a,)")).toEqual([{ key: "zone", op: "in", values: ["a", ""] }]);
  });

  it("treats a blank selector as selecting everything", () => {
    expect(parseLabelSelector("")).toEqual([]);
    expect(parseLabelSelector("   ")).toEqual([]);
  });

  it.each([
    ["a trailing comma", "env=prod,"],
    ["a leading comma", ",env=prod"],
    ["two commas", "a,,b"],
    ["a missing operator", "env prod"],
    ["an empty set", "zone in ()"],
    ["an unclosed set", "zone in (a,b"],
    ["a set without parentheses", "zone in a"],
    ["in without a set", "zone in"],
    ["a negated comparison", "!env=prod"],
    ["a bad key", "-env=prod"],
    ["a key with a bad prefix", "Bad_Prefix/env=prod"],
    ["a bad value", "env=-prod"],
    ["a value that is too long", `env=${"v".repeat(64)}`],
    ["a key that is too long", `${"k".repeat(64)}=v`],
    ["a stray parenthesis", "env=(prod)"],
    ["a triple equals", "env===prod"],
    ["a bang alone", "!"],
    ["an operator alone", "="],
    ["a value with a space", "env=pr od"],
  ])("rejects %s", (_what, selector) => {
    const err = failure(selector);
    expect(err.code).toBe("validation_failed");
    expect(err.message).toMatch(/^labelSelector is not valid: /);
    expect(err.details).toEqual({ labelSelector: selector });
  });

  it("bounds the number of requirements and of set values", () => {
    const many = Array.from({ length: MAX_SELECTOR_REQUIREMENTS + 1 }, (_, i) => `k${i}`).join(",");
    expect(failure(many).message).toMatch(/at most/);
    const atLimit = Array.from({ length: MAX_SELECTOR_REQUIREMENTS }, (_, i) => `k${i}`).join(",");
    expect(parseLabelSelector(atLimit)).toHaveLength(MAX_SELECTOR_REQUIREMENTS);

    const values = Array.from({ length: MAX_SET_VALUES + 1 }, (_, i) => `v${i}`).join(",");
    expect(failure(`k in (${values})`).message).toMatch(/at most/);
  });
});
