/** The global SSH cap: at most N holders, waiters in order, an aborted waiter leaves the queue. */
import { describe, expect, it } from "vitest";
import { createLimiter } from "../../../../agent/execution/limiter.ts";

describe("limiter", () => {
  it("admits at most `limit` holders and serves waiters in order", async () => {
    const limiter = createLimiter(2);
    const order: string[] = [];
    const a = await limiter.acquire();
    const b = await limiter.acquire();
    const c = limiter.acquire().then((release) => {
      order.push("c");
      return release;
    });
    const d = limiter.acquire().then((release) => {
      order.push("d");
      return release;
    });
    expect(limiter.active()).toBe(2);
    a();
    a(); // releasing twice frees one slot only
    (await c)();
    b();
    (await d)();
    expect(order).toEqual(["c", "d"]);
    expect(limiter.active()).toBe(0);
  });

  it("drops a waiter whose signal aborts, and refuses bad limits", async () => {
    const limiter = createLimiter(1);
    const held = await limiter.acquire();
    const controller = new AbortController();
    const waiting = limiter.acquire(controller.signal);
    controller.abort(new Error("cancelled"));
    await expect(waiting).rejects.toThrow("cancelled");
    held();
    const next = await limiter.acquire();
    expect(limiter.active()).toBe(1);
    next();
    expect(() => createLimiter(0)).toThrow(RangeError);
  });
});
