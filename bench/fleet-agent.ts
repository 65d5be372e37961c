/**
 * What an idle agent sends, and when, taken from the agent's own code so the
 * bench follows it when it changes: the poll interval and its idle bound
 * (--sync-interval and --sync-max-interval defaults, agent/config/fields.ts),
 * the heartbeat interval (agent/heartbeat.ts) and the snapshot interval
 * (--snapshot-interval's default).
 *
 * The delays between idle polls are not re-derived here: `agentSchedule()`
 * runs the agent's real sync loop (agent/state/sync-loop.ts) against a control
 * plane that answers one 200 and then 304s, and records the delay the loop
 * asks its timer for after each answer. Whatever backoff the loop applies is
 * what the fleet does.
 */
import { AGENT_FIELDS, type FieldKey } from "../agent/config/fields.ts";
import { parseDurationMs } from "../agent/config/values.ts";
import type { ControlPlane } from "../agent/control-plane/types.ts";
import { DEFAULT_HEARTBEAT_INTERVAL_MS } from "../agent/heartbeat.ts";
import type { StateStore } from "../agent/state/store.ts";
import { createSyncLoop, type SyncLoopOptions } from "../agent/state/sync-loop.ts";
import { systemClock } from "../shared/clock.ts";
import { createMemoryLogger } from "../shared/logger.ts";

function defaultDuration(key: string): number | undefined {
  const text = AGENT_FIELDS.find((f) => f.key === (key as FieldKey))?.default;
  return text === undefined ? undefined : parseDurationMs(text);
}

export interface AgentSchedule {
  pollIntervalMs: number;
  /** the idle bound the agent starts with by default (= pollIntervalMs: no backoff) */
  pollMaxIntervalMs: number;
  heartbeatIntervalMs: number;
  snapshotIntervalMs: number;
  /** the delay before the next poll once the last `unchanged` answers in a row were 304 (0: after a 200) */
  idlePollDelayMs(unchanged: number): number;
  /** the recorded delays, for the JSON */
  idleDelaysMs: number[];
  /** 304s in a row after which the delay no longer grows (a long-idle agent) */
  steadyUnchanged: number;
  describe: string;
}

/** Enough answers for any doubling to reach its bound (2^20 × 1 s is far past any interval). */
const PROBED_ANSWERS = 24;

/**
 * The delays the real sync loop schedules after a 200 and then after each 304 in a row. Timers
 * are intercepted only while the loop is probed, before the bench starts anything else.
 */
async function probeIdleDelays(
  options: Omit<SyncLoopOptions, "controlPlane" | "store" | "clock" | "logger">,
) {
  const delays: number[] = [];
  let due: (() => unknown) | undefined;
  const realSet = globalThis.setTimeout;
  const realClear = globalThis.clearTimeout;
  let answers = 0;
  const controlPlane = {
    async state() {
      answers++;
      return answers === 1
        ? {
            notModified: false,
            state: { clusterId: "probe", stateVersion: 1, pools: [], machines: [] },
            etag: 'W/"1"',
          }
        : { notModified: true };
    },
  } as unknown as ControlPlane;
  const store = { etag: () => 'W/"1"', mutationMark: () => 0, replace() {} } as unknown as StateStore;
  globalThis.setTimeout = ((fn: () => unknown, ms?: number) => {
    delays.push(ms ?? 0);
    due = fn;
    return { unref() {}, ref() {}, hasRef: () => false } as unknown as NodeJS.Timeout;
  }) as typeof setTimeout;
  globalThis.clearTimeout = (() => {}) as typeof clearTimeout;
  try {
    const loop = createSyncLoop({
      ...options,
      controlPlane,
      store,
      clock: systemClock,
      logger: createMemoryLogger("error"),
    });
    await loop.start();
    while (delays.length < PROBED_ANSWERS && due) {
      const fire = due;
      due = undefined;
      await fire();
    }
    globalThis.setTimeout = realSet;
    globalThis.clearTimeout = realClear;
    await loop.stop();
  } finally {
    globalThis.setTimeout = realSet;
    globalThis.clearTimeout = realClear;
  }
  if (delays.length < 2)
    throw new Error(`the sync loop scheduled ${delays.length} polls; expected a poll after each answer`);
  return delays;
}

export async function agentSchedule(): Promise<AgentSchedule> {
  const pollIntervalMs = defaultDuration("syncInterval");
  const snapshotIntervalMs = defaultDuration("snapshotInterval");
  if (pollIntervalMs === undefined || snapshotIntervalMs === undefined)
    throw new Error("the agent's --sync-interval or --snapshot-interval has no duration default");
  // absent in agents without an idle backoff
  const pollMaxIntervalMs = Math.max(pollIntervalMs, defaultDuration("syncMaxInterval") ?? pollIntervalMs);
  const idleDelaysMs = await probeIdleDelays({
    intervalMs: pollIntervalMs,
    idleMaxIntervalMs: pollMaxIntervalMs,
  });
  const steady = idleDelaysMs[idleDelaysMs.length - 1]!;
  const steadyUnchanged = idleDelaysMs.indexOf(steady);
  return {
    pollIntervalMs,
    pollMaxIntervalMs,
    heartbeatIntervalMs: DEFAULT_HEARTBEAT_INTERVAL_MS,
    snapshotIntervalMs,
    idlePollDelayMs: (unchanged) => idleDelaysMs[Math.max(0, unchanged)] ?? steady,
    idleDelaysMs,
    steadyUnchanged,
    describe:
      `agent/state/sync-loop.ts after a 200 then 304s in a row: ` +
      `${[...new Set(idleDelaysMs)].map((ms) => `${ms / 1000}s`).join(" → ")} (then every ${steady / 1000}s)`,
  };
}
