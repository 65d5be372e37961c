/**
 * Transition reports that could not reach the control plane, kept in order
 * until it answers again (offline tolerance). While the control plane is
 * unreachable, an operation that already did its work on the host (a join
 * that finished, a drain, a reset) or that concludes it (a fault) does not
 * have to wait or redo it: its report is queued, the local view shows the
 * change at once (at the version it will have: a transition bumps a
 * machine's version by exactly one), and the operation carries on.
 *
 * - **Bounded**: at most `capacity` items and `maxBytes` of JSON (it must
 *   fit a Kubernetes Secret); a full queue refuses, and the caller fails as
 *   without a queue (its operation is retried later).
 * - **Persisted** after every change (a file or a Secret key,
 *   transition-queue-store.ts) and loaded before the first sync, so a
 *   restart keeps it. An item is only queued once it is persisted.
 * - **Flushed in order** by the sync loop before it polls: in batches of
 *   each machine's oldest item, so a machine's items go one after another,
 *   each still guarded by from, to and expectedVersion; the next item of a
 *   machine is guarded by the version the previous one got. An answer that
 *   shows the machine already there counts as done. A refusal (someone
 *   moved the machine meanwhile) drops the item and the machine's later
 *   ones, with a warning: the machine then follows the control plane.
 */
import { z } from "zod";
import {
  MAX_TRANSITION_ITEMS,
  type TransitionItem,
  TransitionItemSchema,
  type TransitionResult,
} from "../../proto/agent-api.ts";
import type { Clock } from "../../shared/clock.ts";
import type { Logger } from "../../shared/logger.ts";
import { type ControlPlaneError, isControlPlaneError } from "../control-plane/errors.ts";
import type { CallOptions, ControlPlane } from "../control-plane/types.ts";
import type { Leadership } from "../leadership.ts";
import type { HaMetrics } from "../metrics.ts";
import { appliedVersion, confirmedChange } from "./confirmed-transition.ts";
import type { LocalChange, StateStore } from "./store.ts";

export const DEFAULT_QUEUE_CAPACITY = 1000;
/** well inside a Secret's 1 MiB once base64-encoded, beside the credential */
export const DEFAULT_QUEUE_MAX_BYTES = 512 * 1024;
const FORMAT = 1;

/** Where the queue outlives the process: the whole queue as one text, replaced at once. */
export interface TransitionQueuePersistence {
  /** names the place in logs and errors, e.g. "file /var/run/ksp/credential.queue.json" */
  readonly where: string;
  /** null when nothing was stored yet */
  read(): Promise<string | null>;
  write(text: string): Promise<void>;
}

export interface QueuedTransition {
  /** increasing, kept across restarts: the queue's order */
  seq: number;
  /** when the change happened here (the pending view's statusChangedAt) */
  queuedAt: string;
  /** as it will be sent; expectedVersion follows the machine's previous item once that one landed */
  item: TransitionItem;
}

export interface FlushSummary {
  applied: number;
  dropped: number;
}

export interface TransitionQueue {
  /**
   * Reads the persisted queue and shows it over the view; a replica that
   * becomes leader later reads it again then. Never rejects: a queue that
   * cannot be read is read again before the next flush, and nothing is
   * queued meanwhile, so the persisted one is never overwritten.
   */
  start(): Promise<void>;
  stop(): void;
  size(): number;
  /** the machine has reports waiting: its next ones must queue behind them */
  holds(machineId: string): boolean;
  /**
   * Appends a report (it must carry expectedVersion) once it is persisted and
   * shows it over the view; answers the change as shown, or null when the
   * queue is full or could not be persisted (nothing was queued then).
   */
  enqueue(item: TransitionItem): Promise<LocalChange | null>;
  /**
   * Sends everything queued, oldest first, until the queue is empty; rejects
   * (keeping what was not sent) when the control plane cannot be reached.
   */
  flush(callOptions?: () => CallOptions): Promise<FlushSummary>;
  /** the items, oldest first (copies) */
  items(): QueuedTransition[];
}

export interface TransitionQueueOptions {
  store: StateStore;
  controlPlane: Pick<ControlPlane, "transitions">;
  persistence: TransitionQueuePersistence;
  clock: Clock;
  logger: Logger;
  metrics?: Pick<HaMetrics, "setTransitionsQueued">;
  /**
   * The queue is the leader's: only a leader queues, flushes and persists
   * it, so a standby never overwrites it. Every replica reads it on start
   * (the view shows it before the reconciler's first pass); one that becomes
   * leader reads it again, one that stops leading forgets it (the next
   * leader has it). Default: always leading.
   */
  leadership?: Pick<Leadership, "isLeader" | "subscribe">;
  capacity?: number;
  maxBytes?: number;
}

const PersistedSchema = z.object({
  format: z.literal(FORMAT),
  items: z.array(
    z.object({
      seq: z.number().int().nonnegative(),
      queuedAt: z.string(),
      item: TransitionItemSchema.required({ expectedVersion: true }),
    }),
  ),
});

export function createTransitionQueue(options: TransitionQueueOptions): TransitionQueue {
  const { store, controlPlane, persistence, clock, metrics } = options;
  const logger = options.logger.child({ component: "transition-queue" });
  const capacity = options.capacity ?? DEFAULT_QUEUE_CAPACITY;
  const maxBytes = options.maxBytes ?? DEFAULT_QUEUE_MAX_BYTES;
  const leading = () => options.leadership?.isLeader() ?? true;
  let items: QueuedTransition[] = [];
  let nextSeq = 1;
  /** the persisted queue was read (and not forgotten since): only then may it be written */
  let loaded = false;
  let readFailures = 0;
  let unsubscribe: (() => void) | undefined;
  let refusing = false;
  /** the persisted copy lags behind (a write after a flush failed): the next write catches up */
  let dirty = false;
  let lock: Promise<unknown> = Promise.resolve();
  let flushing: Promise<FlushSummary> | null = null;

  /** one change of the queue at a time, persistence included */
  const locked = <T>(fn: () => Promise<T>): Promise<T> => {
    const run = lock.then(fn);
    lock = run.catch(() => {});
    return run;
  };

  const serialize = (list: readonly QueuedTransition[]) => JSON.stringify({ format: FORMAT, items: list });

  const pendingChange = (entry: QueuedTransition): LocalChange =>
    confirmedChange(entry.item, (entry.item.expectedVersion ?? 0) + 1, new Date(entry.queuedAt));

  const publish = (confirmed: readonly LocalChange[] = []) => {
    store.setPending(items.map(pendingChange), confirmed);
    metrics?.setTransitionsQueued(items.length);
  };

  /** after a flush: the control plane already has the news, so a failed write only means a replay later */
  const persistBestEffort = async () => {
    // a replica that stopped leading meanwhile leaves the persisted queue to the new leader
    if (!loaded || !leading()) return;
    try {
      await persistence.write(serialize(items));
      dirty = false;
    } catch (err) {
      dirty = true;
      logger.warn("could not persist the transition queue; a restart would resend what was already sent", {
        where: persistence.where,
        err: messageOf(err),
      });
    }
  };

  const describe = (item: TransitionItem) => ({
    machineId: item.machineId,
    from: item.from,
    to: item.to,
    expectedVersion: item.expectedVersion,
  });

  /** Applies one batch's answers (or the batch's refusal as a whole) to the queue as it is now. */
  const settle = (batch: readonly QueuedTransition[], answer: Answer): Promise<FlushSummary> =>
    locked(async () => {
      const now = clock.now();
      const confirmed: LocalChange[] = [];
      let applied = 0;
      let dropped = 0;
      for (const sent of batch) {
        const { machineId } = sent.item;
        if (!items.some((e) => e.seq === sent.seq)) continue;
        const result = answer.kind === "results" ? answer.results.get(machineId) : undefined;
        const version = result ? appliedVersion(result, sent.item.to) : null;
        if (version !== null) {
          applied++;
          confirmed.push(confirmedChange(sent.item, version, now));
          items = items.filter((e) => e.seq !== sent.seq);
          // the machine's next report is guarded by the version this one got
          const next = items.find((e) => e.item.machineId === machineId);
          if (next) {
            items = items.map((e) =>
              e === next ? { ...e, item: { ...e.item, expectedVersion: version } } : e,
            );
          }
          continue;
        }
        const mine = items.filter((e) => e.item.machineId === machineId);
        items = items.filter((e) => e.item.machineId !== machineId);
        dropped += mine.length;
        const why =
          answer.kind === "refused"
            ? { code: answer.code, message: answer.message }
            : result && !result.ok
              ? { code: result.error.code, message: result.error.message }
              : { code: "internal", message: "the control plane did not answer for the machine" };
        logger.warn(
          "a queued transition was refused: it and the machine's later queued ones are dropped, " +
            "the machine follows the control plane's state",
          { ...describe(sent.item), ...why, dropped: mine.length },
        );
      }
      publish(confirmed);
      await persistBestEffort();
      return { applied, dropped };
    });

  async function flushAll(callOptions: () => CallOptions): Promise<FlushSummary> {
    const total: FlushSummary = { applied: 0, dropped: 0 };
    while (items.length > 0) {
      if (dirty) await locked(persistBestEffort);
      const batch = oldestPerMachine(items, MAX_TRANSITION_ITEMS);
      let answer: Answer;
      try {
        const response = await controlPlane.transitions(
          batch.map((e) => e.item),
          callOptions(),
        );
        answer = { kind: "results", results: new Map(response.results.map((r) => [r.machineId, r])) };
      } catch (err) {
        if (!refusesBatch(err)) throw err;
        // refused as a whole (the request itself, not an item): it can never be accepted as it is
        answer = { kind: "refused", code: err.code ?? `http_${err.status}`, message: err.message };
      }
      const summary = await settle(batch, answer);
      total.applied += summary.applied;
      total.dropped += summary.dropped;
    }
    if (total.applied + total.dropped > 0) logger.info("queued transitions flushed", { ...total });
    return total;
  }

  /** Reads the persisted queue and shows it; false (logged) when it cannot be read. */
  const load = (): Promise<boolean> =>
    locked(async () => {
      let text: string | null;
      try {
        text = await persistence.read();
      } catch (err) {
        readFailures++;
        // 1st, 2nd, 4th, 8th… failure: it is read again before every flush
        if ((readFailures & (readFailures - 1)) === 0) {
          logger.error("cannot read the persisted transition queue; nothing is queued until it can be read", {
            where: persistence.where,
            failures: readFailures,
            err: messageOf(err),
          });
        }
        return false;
      }
      readFailures = 0;
      items =
        text === null ? [] : parsePersisted(text, persistence.where, logger).sort((a, b) => a.seq - b.seq);
      nextSeq = Math.max(0, ...items.map((e) => e.seq)) + 1;
      loaded = true;
      dirty = false;
      publish();
      if (items.length > 0) {
        logger.warn("queued transitions found; they are sent once the control plane answers", {
          queued: items.length,
          where: persistence.where,
        });
      }
      return true;
    });

  /** Another replica leads now and has the persisted queue: this one shows and sends nothing of it. */
  const forget = () =>
    locked(async () => {
      loaded = false;
      items = [];
      publish();
    });

  return {
    async start() {
      unsubscribe ??= options.leadership?.subscribe((isLeader) => {
        void (isLeader ? load() : forget());
      });
      // shown before the first pass of the reconciler even while leader election still runs;
      // written and sent only as leader (which reads it again when it becomes one)
      await load();
    },
    stop() {
      unsubscribe?.();
      unsubscribe = undefined;
    },
    size: () => items.length,
    holds: (machineId) => items.some((e) => e.item.machineId === machineId),
    enqueue(item) {
      return locked(async () => {
        if (item.expectedVersion === undefined || !loaded || !leading()) return null;
        const entry: QueuedTransition = { seq: nextSeq, queuedAt: clock.now().toISOString(), item };
        const next = [...items, entry];
        const text = serialize(next);
        if (next.length > capacity || Buffer.byteLength(text) > maxBytes) {
          if (!refusing) {
            logger.warn("the transition queue is full; reports wait for the control plane", {
              queued: items.length,
              capacity,
              maxBytes,
            });
          }
          refusing = true;
          return null;
        }
        try {
          await persistence.write(text);
        } catch (err) {
          logger.warn("could not persist the transition queue; the report is not queued", {
            where: persistence.where,
            err: messageOf(err),
          });
          return null;
        }
        refusing = false;
        dirty = false;
        nextSeq++;
        items = next;
        publish();
        logger.warn("control plane unreachable: transition queued", {
          ...describe(item),
          queued: items.length,
        });
        return pendingChange(entry);
      });
    },
    async flush(callOptions = () => ({})) {
      if (!leading()) return { applied: 0, dropped: 0 };
      if (!loaded && !(await load())) return { applied: 0, dropped: 0 };
      if (items.length === 0) return { applied: 0, dropped: 0 };
      flushing ??= flushAll(callOptions).finally(() => {
        flushing = null;
      });
      return flushing;
    },
    items: () => structuredClone(items),
  };
}

type Answer =
  | { kind: "results"; results: ReadonlyMap<string, TransitionResult> }
  | { kind: "refused"; code: string; message: string };

/** Each machine's oldest item, in queue order: a machine's items are sent one after another. */
function oldestPerMachine(items: readonly QueuedTransition[], max: number): QueuedTransition[] {
  const seen = new Set<string>();
  const batch: QueuedTransition[] = [];
  for (const entry of items) {
    if (seen.has(entry.item.machineId)) continue;
    seen.add(entry.item.machineId);
    batch.push(entry);
    if (batch.length === max) break;
  }
  return batch;
}

/**
 * The request itself refused (400, 413, 422: it does not validate): sending
 * it again cannot help. Anything else keeps the batch for the next attempt:
 * an outage, a failing control plane (5xx, 429), a refused credential (401,
 * 403: it may heal), a 404 (a proxy in front of a control plane that is
 * still starting may answer one).
 */
function refusesBatch(err: unknown): err is ControlPlaneError {
  return isControlPlaneError(err) && err.kind === "http" && [400, 413, 422].includes(err.status ?? 0);
}

/** A queue that cannot be understood is started empty (its machines follow the control plane), not fatal. */
function parsePersisted(text: string, where: string, logger: Logger): QueuedTransition[] {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    value = undefined;
  }
  const parsed = PersistedSchema.safeParse(value);
  if (!parsed.success) {
    logger.error("the persisted transition queue is unreadable; starting with an empty queue", {
      where,
      problem: parsed.error.issues[0]?.message ?? "not JSON",
    });
    return [];
  }
  return parsed.data.items;
}

const messageOf = (err: unknown): string => (err instanceof Error ? err.message : String(err));
