/** The host-key decision: pinned keys match with or without base64 padding, anything else is refused. */
import { describe, expect, it } from "vitest";
import { decideHostKey } from "../../../../agent/ssh/host-key.ts";

const KEY = "SHA256:uNiVztksCsDhcc0u9e8BujQXVUpKZIDTMczCvj3tD2s";
const OTHER = "SHA256:47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU";

describe("decideHostKey", () => {
  it("accepts the pinned key, padded or not, and learns nothing", () => {
    expect(decideHostKey("require-known", KEY, KEY, "h")).toEqual({ accept: true, learned: false });
    expect(decideHostKey("require-known", `${KEY}=`, KEY, "h")).toEqual({ accept: true, learned: false });
  });

  it("refuses another key whatever the policy, naming both", () => {
    for (const policy of ["pin-on-first-use", "require-known"] as const) {
      const decision = decideHostKey(policy, KEY, OTHER, "root@10.0.0.1:22");
      expect(decision).toEqual({
        accept: false,
        reason: `host key mismatch for root@10.0.0.1:22: expected ${KEY}, host presented ${OTHER}`,
      });
    }
  });

  it("learns an unpinned key only under pin-on-first-use", () => {
    expect(decideHostKey("pin-on-first-use", null, KEY, "h")).toEqual({ accept: true, learned: true });
    expect(decideHostKey("require-known", null, KEY, "h")).toMatchObject({ accept: false });
  });
});
