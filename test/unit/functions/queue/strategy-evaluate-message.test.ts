/** The `strategy.evaluate` message on the wire: what the consumer accepts, and what it parks unread. */
import { describe, expect, it } from "vitest";
import { createConsumer, oneAtATime } from "../../../../functions/queue/consumer.ts";
import { JobMessageSchema } from "../../../../functions/queue/types.ts";
import { createMemoryLogger } from "../../../../shared/logger.ts";
import { consumeOne } from "../../../support/queue-consumers.ts";

const ids = {
  strategyId: "3f1c1a52-6a36-4e8e-9d0c-0d7a7a1b2c01",
  clusterId: "3f1c1a52-6a36-4e8e-9d0c-0d7a7a1b2c02",
  poolId: "3f1c1a52-6a36-4e8e-9d0c-0d7a7a1b2c03",
};
const message = { type: "strategy.evaluate", ...ids, runKey: "2026-01-10" };

describe("strategy.evaluate messages", () => {
  it("accepts a strategy, cluster, pool and UTC day", () => {
    expect(JobMessageSchema.parse(message)).toEqual(message);
    expect(JobMessageSchema.parse({ ...message, runKey: "2028-02-29" }).type).toBe("strategy.evaluate");
  });

  it.each([
    ["a run key that is not a day", { runKey: "2026-1-10" }],
    ["a day that does not exist", { runKey: "2026-02-30" }],
    ["a timestamp instead of a day", { runKey: "2026-01-10T02:00:00Z" }],
    ["a pool id that is not a UUID", { poolId: "pool-1" }],
    ["no strategy", { strategyId: undefined }],
  ])("refuses %s", (_name, change) => {
    expect(JobMessageSchema.safeParse({ ...message, ...change }).success).toBe(false);
  });

  it("the consumer parks a malformed one without calling the handler", async () => {
    let handled = 0;
    const consume = consumeOne(
      createConsumer({ handle: oneAtATime(async () => void handled++), logger: createMemoryLogger() }),
    );
    expect(await consume({ ...message, runKey: "yesterday" }, 1)).toMatchObject({ action: "park" });
    expect(await consume(message, 1)).toEqual({ action: "ack" });
    expect(handled).toBe(1);
  });
});
