import { describe, expect, it } from "vitest";
import { onceUntilSuccess } from "../../../../../functions/services/bootstrap/worker-bootstrap.ts";

describe("onceUntilSuccess", () => {
  it("callers during a run share it; after success it never runs again", async () => {
    let runs = 0;
    let finish: () => void = () => {};
    const once = onceUntilSuccess(() => {
      runs++;
      return new Promise<void>((resolve) => {
        finish = resolve;
      });
    });
    const a = once();
    const b = once();
    expect(runs).toBe(1);
    finish();
    await Promise.all([a, b]);
    await once();
    expect(runs).toBe(1);
  });

  it("a failure reaches every waiting caller and is not kept: the next call runs again", async () => {
    let runs = 0;
    const once = onceUntilSuccess(async () => {
      runs++;
      if (runs === 1) throw new Error("database down");
    });
    const [a, b] = await Promise.allSettled([once(), once()]);
    expect(a.status).toBe("rejected");
    expect(b.status).toBe("rejected");
    expect(runs).toBe(1);
    await once();
    expect(runs).toBe(2);
    await once();
    expect(runs).toBe(2);
  });
});
