/**
 * Keeps the store current: polls /v1/agent/state with the last ETag every
 * `intervalMs` (an unchanged state costs a 304), backs off exponentially with
 * jitter while the control plane fails, and keeps serving the last good view
 * meanwhile. `trigger()` asks for a sync now; triggers that arrive while one
 * is running share the next one, so a burst of Refresh calls costs one poll.
 *
 * While nothing changes the interval grows: after each 304 in a row the next
 * poll waits twice as long, up to `idleMaxIntervalMs` (the agent's
 * --sync-max-interval), so an idle cluster costs the control plane a poll a
 * minute instead of twelve. Any change (a 200), any trigger for fresh state
 * (a Cluster Autoscaler mutation, the reconciler's reports, a local event)
 * and any failure brings it back to `intervalMs`. Cluster Autoscaler's
 * Refresh (every scan, about 10 s) is the exception: it polls only when the
 * backed-off poll is due, and otherwise serves the view in memory, which is
 * what Refresh answers from anyway. So a change made by an operator reaches
 * an idle agent within `idleMaxIntervalMs`, at once after the agent's own
 * next mutation.
 *
 * Transitions queued while the control plane was unreachable
 * (transition-queue.ts) are flushed first, in order, and the state is
 * polled only once they all landed: the poll then shows them. While some
 * wait, the retries after a failure are at most `queuedBackoffMaxMs` apart,
 * so they land soon after the control plane is back.
 */
import type { Clock } from "../../shared/clock.ts";
import type { Logger } from "../../shared/logger.ts";
import type { ControlPlane } from "../control-plane/types.ts";
import type { StateStore } from "./store.ts";
import type { TransitionQueue } from "./transition-queue.ts";

export interface SyncLoopOptions {
  controlPlane: ControlPlane;
  store: StateStore;
  clock: Clock;
  logger: Logger;
  intervalMs: number;
  /** one poll's deadline; default 10 s */
  requestTimeoutMs?: number;
  /** first retry delay after a failure; default 500 ms */
  backoffBaseMs?: number;
  /** longest retry delay; default 30 s */
  backoffMaxMs?: number;
  /** longest interval while polls answer 304 (doubling from `intervalMs`); default `intervalMs` (no backoff) */
  idleMaxIntervalMs?: number;
  /** reports waiting for the control plane: flushed before every poll */
  queue?: Pick<TransitionQueue, "size" | "flush">;
  /** longest retry delay while reports wait in the queue; default 5 s */
  queuedBackoffMaxMs?: number;
}

export interface SyncLoop {
  /** the first sync (success or not), then polling in the background; never rejects */
  start(): Promise<void>;
  stop(): Promise<void>;
  /**
   * resolves once a sync that started after this call has finished; never rejects. A trigger
   * asks for fresh state, so it also ends the idle backoff; `refresh: true` (Cluster
   * Autoscaler's Refresh) neither ends it nor polls before the backed-off poll is due.
   */
  trigger(opts?: { refresh?: boolean }): Promise<void>;
  /** when the last sync succeeded (200 or 304); null before the first success */
  lastSuccessAt(): Date | null;
  /** why the last sync failed; null after a success */
  lastError(): string | null;
}

export function createSyncLoop(options: SyncLoopOptions): SyncLoop {
  const { controlPlane, store, clock, logger, intervalMs } = options;
  const requestTimeoutMs = options.requestTimeoutMs ?? 10_000;
  const backoffBaseMs = options.backoffBaseMs ?? 500;
  const backoffMaxMs = options.backoffMaxMs ?? 30_000;
  const queuedBackoffMaxMs = options.queuedBackoffMaxMs ?? 5_000;
  const idleMaxIntervalMs = Math.max(intervalMs, options.idleMaxIntervalMs ?? intervalMs);
  const { queue } = options;
  let running: Promise<void> | null = null;
  let queued: Promise<void> | null = null;
  let timer: NodeJS.Timeout | undefined;
  let stopped = true;
  let failures = 0;
  /** 304s in a row since the last change, trigger or failure (-1: a trigger's poll is pending) */
  let unchanged = 0;
  let lastSuccess: Date | null = null;
  let lastFailure: string | null = null;

  async function syncOnce(): Promise<void> {
    try {
      // one attempt per call: this loop's own backoff is the retry policy
      const once = () => ({ deadline: new Date(clock.now().getTime() + requestTimeoutMs), attempts: 1 });
      // before the poll, so the poll already shows them (and cannot undo what only the queue knows)
      if (queue) await queue.flush(once);
      const mark = store.mutationMark();
      const deadline = once().deadline;
      const answer = await controlPlane.state(store.etag(), { deadline, attempts: 1 });
      if (!answer.notModified) store.replace(answer.state, answer.etag, mark);
      unchanged = answer.notModified ? unchanged + 1 : 0;
      if (failures > 0) logger.info("control-plane sync recovered", { afterFailures: failures });
      failures = 0;
      lastFailure = null;
      lastSuccess = clock.now();
    } catch (err) {
      failures++;
      unchanged = 0;
      lastFailure = err instanceof Error ? err.message : String(err);
      // 1st, 2nd, 4th, 8th… failure: an outage is visible without flooding the log
      if ((failures & (failures - 1)) === 0) {
        logger.warn("control-plane sync failed; serving the last known state", {
          failures,
          err: lastFailure,
          ...(queue && queue.size() > 0 ? { transitionsQueued: queue.size() } : {}),
        });
      }
    }
  }

  function idleDelay(): number {
    return Math.min(idleMaxIntervalMs, intervalMs * 2 ** Math.max(0, Math.min(unchanged, 20)));
  }

  function nextDelay(): number {
    if (failures === 0) return idleDelay();
    const max = queue && queue.size() > 0 ? Math.min(backoffMaxMs, queuedBackoffMaxMs) : backoffMaxMs;
    const step = Math.min(max, backoffBaseMs * 2 ** (failures - 1));
    return step / 2 + Math.random() * (step / 2);
  }

  function run(): Promise<void> {
    clearTimeout(timer);
    const current = syncOnce().finally(() => {
      running = null;
      if (stopped || queued) return;
      timer = setTimeout(run, nextDelay());
      // the servers keep the process alive, not a poll timer
      timer.unref();
    });
    running = current;
    return current;
  }

  function trigger(opts: { refresh?: boolean } = {}): Promise<void> {
    if (stopped) return Promise.resolve();
    if (opts.refresh) {
      // backed off and not due yet: the view in memory is as fresh as the backoff promises
      const last = lastSuccess?.getTime();
      const delay = idleDelay();
      if (delay > intervalMs && last !== undefined && clock.now().getTime() - last < delay) {
        return running ?? Promise.resolve();
      }
    } else {
      // the triggered poll itself does not count: the one after it comes at the base interval
      unchanged = -1;
    }
    if (!running) return run();
    queued ??= running.then(() => {
      queued = null;
      return stopped ? undefined : run();
    });
    return queued;
  }

  return {
    async start() {
      stopped = false;
      await trigger();
    },
    async stop() {
      stopped = true;
      clearTimeout(timer);
      await running;
    },
    trigger,
    lastSuccessAt: () => lastSuccess,
    lastError: () => lastFailure,
  };
}
