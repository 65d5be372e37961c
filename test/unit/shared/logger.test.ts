import { afterEach, describe, expect, it, vi } from "vitest";
import { createLogger, createMemoryLogger, LOG_LEVELS } from "../../../shared/logger.ts";

const AT = new Date("2026-02-03T04:05:06.000Z");

function captured(level?: (typeof LOG_LEVELS)[number]) {
  const lines: string[] = [];
  const logger = createLogger({
    ...(level ? { level } : {}),
    sink: (line) => lines.push(line),
    now: () => AT,
  });
  return { logger, lines, records: () => lines.map((l) => JSON.parse(l) as Record<string, unknown>) };
}

afterEach(() => vi.restoreAllMocks());

describe("createLogger", () => {
  it("writes one JSON object per line with ts, level, msg and fields", () => {
    const { logger, lines } = captured();
    logger.info("hello", { n: 1 });
    expect(lines).toEqual([JSON.stringify({ ts: AT.toISOString(), level: "info", msg: "hello", n: 1 })]);
  });

  it("drops lines below its level (info by default) and says so through enabled()", () => {
    const { logger, records } = captured();
    logger.debug("d");
    logger.info("i");
    logger.warn("w");
    logger.error("e");
    expect(records().map((r) => r.level)).toEqual(["info", "warn", "error"]);
    expect(LOG_LEVELS.map((l) => logger.enabled(l))).toEqual([false, true, true, true]);

    const errorsOnly = captured("error");
    errorsOnly.logger.warn("w");
    errorsOnly.logger.error("e");
    expect(errorsOnly.records().map((r) => r.msg)).toEqual(["e"]);
    expect(errorsOnly.logger.enabled("warn")).toBe(false);
  });

  it("masks secrets in fields, in the message and in child fields", () => {
    const { logger, records } = captured();
    logger
      .child({ credential: "c" })
      .warn("refused ksp_adm_AbCdEf0123456789", { headers: { Authorization: "Bearer abc" } });
    expect(records()).toEqual([
      {
        ts: AT.toISOString(),
        level: "warn",
        msg: "refused ksp_adm_****",
        credential: "****",
        headers: { Authorization: "****" },
      },
    ]);
  });

  it("child loggers add their fields to every line and keep level, sink and clock", () => {
    const { logger, records } = captured("warn");
    const child = logger.child({ component: "a" }).child({ host: "h" });
    child.info("dropped");
    child.warn("kept", { host: "override" });
    logger.warn("parent");
    expect(records()).toEqual([
      { ts: AT.toISOString(), level: "warn", msg: "kept", component: "a", host: "override" },
      { ts: AT.toISOString(), level: "warn", msg: "parent" },
    ]);
    expect(child.enabled("info")).toBe(false);
  });

  it("writes to console.log when given no sink (captured by the Workers runtime, stdout on Node)", () => {
    const log = vi.spyOn(console, "log").mockImplementation(() => {});
    createLogger({ base: { component: "x" } }).error("boom");
    expect(log).toHaveBeenCalledTimes(1);
    expect(JSON.parse(String(log.mock.calls[0]?.[0]))).toMatchObject({
      level: "error",
      msg: "boom",
      component: "x",
    });
  });
});

describe("createMemoryLogger", () => {
  it("keeps masked records, debug included", () => {
    const logger = createMemoryLogger();
    logger.debug("d", { password: "p" });
    logger.child({ requestId: "r1" }).info("i");
    expect(logger.lines).toMatchObject([
      { level: "debug", msg: "d", password: "****" },
      { level: "info", msg: "i", requestId: "r1" },
    ]);
  });
});
