/** Kubernetes quantities as exact millicores and bytes (shared/kube-quantity.ts). */
import { describe, expect, it } from "vitest";
import { quantityMillis, quantityValue } from "../../../shared/kube-quantity.ts";

describe("kube quantities", () => {
  it.each([
    ["250m", 250],
    ["2", 2000],
    ["0.1", 100],
    ["1.5", 1500],
    ["123456789n", 124],
    ["1e3", 1_000_000],
    ["+3", 3000],
  ])("CPU %s → %d millicores", (text, millis) => {
    expect(quantityMillis(text)).toBe(millis);
  });

  it.each([
    ["1Ki", 1024],
    ["1.5Gi", 1_610_612_736],
    ["16393272Ki", 16_393_272 * 1024],
    ["128974848", 128_974_848],
    ["129e6", 129_000_000],
    ["123M", 123_000_000],
    ["1.5k", 1500],
    ["100m", 1],
  ])("memory %s → %d bytes", (text, bytes) => {
    expect(quantityValue(text)).toBe(bytes);
  });

  it.each(["", "abc", "1Gb", "1 Gi", "--1", "1e"])("%j is no quantity", (text) => {
    expect(quantityValue(text)).toBeNull();
    expect(quantityMillis(text)).toBeNull();
  });

  it("caps what no real cluster has instead of building huge numbers", () => {
    expect(quantityValue("1e999999999")).toBe(Number.MAX_SAFE_INTEGER);
    expect(quantityValue("1e-999999999")).toBe(1);
  });
});
