/** Kubernetes quantities as whole millicores or bytes, exactly and rounded up like the API machinery. */
import { describe, expect, it } from "vitest";
import { cpuAndMemory, quantityMillis, quantityValue } from "../../../../agent/kubernetes/quantity.ts";

describe("quantities", () => {
  it.each([
    ["250m", 250],
    ["2", 2000],
    ["0.1", 100],
    [".5", 500],
    ["1.", 1000],
    ["123456789n", 124],
    ["1u", 1],
    ["1500000u", 1500],
    ["1e3", 1_000_000],
    ["1E-3", 1],
    ["+3", 3000],
    ["0", 0],
  ])("cpu %s is %i millicores", (text, millis) => {
    expect(quantityMillis(text)).toBe(millis);
  });

  it.each([
    ["1Ki", 1024],
    ["1.5Gi", 1_610_612_736],
    ["16318232Ki", 16_709_869_568],
    ["512Mi", 536_870_912],
    ["1k", 1000],
    ["1M", 1_000_000],
    ["1G", 1e9],
    ["1T", 1e12],
    ["2P", 2e15],
    ["1e3", 1000],
    ["129e6", 129_000_000],
    ["0.5", 1],
    ["1m", 1],
  ])("memory %s is %i bytes", (text, bytes) => {
    expect(quantityValue(text)).toBe(bytes);
  });

  it("answers null for what is no quantity, and caps what no number can hold", () => {
    for (const bad of ["", "lots", "1e", "1KB", "Gi", "1.2.3", "1 Gi", "0x10", "1Ki1"]) {
      expect(quantityValue(bad), bad).toBeNull();
    }
    expect(quantityValue("1e999999999")).toBe(Number.MAX_SAFE_INTEGER);
    expect(quantityValue("100Ei")).toBe(Number.MAX_SAFE_INTEGER);
    expect(quantityValue("1E")).toBe(Number.MAX_SAFE_INTEGER);
    expect(quantityMillis("1e-999999999")).toBe(1);
    expect(quantityValue("-1Ki")).toBe(-1024);
  });

  it("reads cpu and memory of a resource list, zero for missing, malformed or negative ones", () => {
    expect(cpuAndMemory({ cpu: "1500m", memory: "2Gi", pods: "110" })).toEqual({
      cpuMillis: 1500,
      memoryBytes: 2 ** 31,
    });
    expect(cpuAndMemory(undefined)).toEqual({ cpuMillis: 0, memoryBytes: 0 });
    expect(cpuAndMemory({ cpu: "many", memory: "-5" })).toEqual({ cpuMillis: 0, memoryBytes: 0 });
  });
});
