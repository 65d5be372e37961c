/** mapBounded: every item once, results in order, never more than the bound in flight. */
import { describe, expect, it } from "vitest";
import { mapBounded } from "../../../../functions/jobs/bounded.ts";

describe("mapBounded", () => {
  it.each([1, 2, 3, 10])("runs at most %d at once and keeps the order", async (limit) => {
    let inFlight = 0;
    let most = 0;
    const items = Array.from({ length: 7 }, (_, i) => i);
    const results = await mapBounded(items, limit, async (item) => {
      inFlight++;
      most = Math.max(most, inFlight);
      await new Promise((resolve) => setTimeout(resolve, 5 + ((item * 7) % 5)));
      inFlight--;
      return item * 10;
    });
    expect(results).toEqual(items.map((i) => i * 10));
    expect(most).toBe(Math.min(limit, items.length));
  });

  it("answers an empty list at once", async () => {
    expect(await mapBounded([], 4, async () => 1)).toEqual([]);
  });
});
