/** The policy knob of the daily strategy run: its default and its bounds. */
import { describe, expect, it } from "vitest";
import { parseNodeEnv } from "../../../functions/env.ts";
import { DEFAULT_POLICY } from "../../../functions/policy.ts";

describe("KSP_STRATEGY_EVALUATION_HOUR", () => {
  it("defaults to 02:00 UTC", () => {
    expect(DEFAULT_POLICY.strategyEvaluationHourUtc).toBe(2);
    const r = parseNodeEnv({});
    expect(r.ok && r.settings.policy.strategyEvaluationHourUtc).toBe(2);
  });

  it.each([
    ["0", 0],
    ["23", 23],
  ])("reads %s", (value, hour) => {
    const r = parseNodeEnv({ KSP_STRATEGY_EVALUATION_HOUR: value });
    expect(r.ok && r.settings.policy.strategyEvaluationHourUtc).toBe(hour);
  });

  it.each(["24", "-1", "2.5", "two"])("refuses %s, naming the variable", (value) => {
    const r = parseNodeEnv({ KSP_STRATEGY_EVALUATION_HOUR: value });
    expect(r.ok).toBe(false);
    expect(!r.ok && r.problems.join("\n")).toMatch(/^KSP_STRATEGY_EVALUATION_HOUR: /m);
  });
});
