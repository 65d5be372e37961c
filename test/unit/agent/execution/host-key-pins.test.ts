/** Host keys learned on first use go to the control plane; the first key stored anywhere wins. */
import { describe, expect, it } from "vitest";
import { createHostKeyPins } from "../../../../agent/control-plane/host-key-pins.ts";
import { FakeControlPlane } from "../../../support/agent/fake-control-plane.ts";
import { fixtureMachine, fixturePool } from "../../../support/agent/fixtures.ts";

const KEY = "SHA256:uNiVztksCsDhcc0u9e8BujQXVUpKZIDTMczCvj3tD2s";
const OTHER = "SHA256:47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU";

describe("host key pins", () => {
  it("stores a learned key and tells; answers the earlier key when another is already pinned", async () => {
    const pool = fixturePool();
    const m = fixtureMachine({ poolId: pool.id, status: "reserved" });
    const fake = new FakeControlPlane({ pools: [pool], machines: [m] });
    let told = 0;
    const pins = createHostKeyPins(fake, () => told++);
    expect(await pins.pin(m.id, KEY)).toBe(KEY);
    expect(told).toBe(1);
    expect(await pins.pin(m.id, KEY)).toBe(KEY);
    expect(told).toBe(1);
    expect(await pins.pin(m.id, OTHER)).toBe(KEY);
  });

  it("fails on anything else, e.g. a machine that is not the cluster's", async () => {
    const pins = createHostKeyPins(new FakeControlPlane());
    await expect(pins.pin("00000000-0000-4000-8000-000000000000", KEY)).rejects.toThrow(/not_found/);
  });
});
