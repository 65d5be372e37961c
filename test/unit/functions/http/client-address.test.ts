import { describe, expect, it } from "vitest";
import { forwardedClient } from "../../../../functions/http/client-address.ts";
import { capDetails, errorEnvelope, MAX_ERROR_DETAILS_CHARS } from "../../../../functions/http/error-map.ts";

describe("forwardedClient", () => {
  it("takes the Nth entry from the right, never a client-chosen one", () => {
    expect(forwardedClient("6.6.6.6, 203.0.113.7", 1)).toBe("203.0.113.7");
    expect(forwardedClient("6.6.6.6, 203.0.113.7, 10.0.0.1", 2)).toBe("203.0.113.7");
    expect(forwardedClient("203.0.113.7", 2)).toBeNull();
    expect(forwardedClient("203.0.113.7", 0)).toBeNull();
    expect(forwardedClient(undefined, 1)).toBeNull();
  });
});

describe("error envelope caps", () => {
  it("clips long messages and shrinks oversized details", () => {
    const huge = "a".repeat(1_000_000);
    const env = errorEnvelope("validation_failed", huge, "r", {
      issues: [{ message: huge }],
      list: Array(100).fill(huge),
    });
    expect(JSON.stringify(env).length).toBeLessThan(8 * 1024);
    expect(env.error.details).toMatchObject({ truncated: true });
    expect(capDetails({ small: "ok" })).toEqual({ small: "ok" });
    expect(JSON.stringify(capDetails({ k: huge })).length).toBeLessThanOrEqual(MAX_ERROR_DETAILS_CHARS);
  });
});
