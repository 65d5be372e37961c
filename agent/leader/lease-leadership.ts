/**
 * Leader election over a coordination.k8s.io Lease, as client-go's
 * leaderelection does it:
 *
 * - A replica takes the Lease when there is none, when it holds it already,
 *   when it was released (no holder), or when it expired. Expiry is judged by
 *   our own clock: leaseDuration after we last saw the record change, never by
 *   the renewTime another machine wrote, so clock skew between nodes does not
 *   matter.
 * - The leader renews every retryPeriod and steps down when no renewal has
 *   succeeded for renewDeadline, counted from when the last successful
 *   request was sent. renewDeadline < leaseDuration, so a leader cut off from
 *   the API server has stopped acting before any standby may take over.
 * - A standby polls every retryPeriod (and exactly when the lease it watches
 *   expires), so it takes over within leaseDuration + retryPeriod of the
 *   leader's last renewal.
 * - stop() releases the Lease (no holder, one second), so a standby takes
 *   over at its next poll instead of waiting for expiry.
 *
 * Every write carries the resourceVersion read, so of two racing replicas
 * exactly one wins; the other's write is a LeaseConflict, a lost round.
 */
import type { Clock } from "../../shared/clock.ts";
import type { Logger } from "../../shared/logger.ts";
import { LeaseConflict } from "../kubernetes/lease-lock.ts";
import type { LeaseLock, LeaseSnapshot } from "../kubernetes/types.ts";
import type { Leadership } from "../leadership.ts";
import type { HaMetrics } from "../metrics.ts";
import { systemTimers, type Timers } from "../timers.ts";
import { type LeaseDurations, leaseDurationsProblem, released, renewal, takeover } from "./lease-record.ts";

export interface LeaseLeadershipDeps {
  lock: LeaseLock;
  /** this replica's holderIdentity (the pod name) */
  identity: string;
  clock: Clock;
  timers?: Timers;
  logger: Logger;
  metrics: Pick<HaMetrics, "setLeader" | "leaderTransition">;
  durations: LeaseDurations;
  /** in [0, 1): spreads the standbys' polls; default Math.random */
  random?: () => number;
}

export interface LeaseLeadership extends Leadership {
  /** campaigns from now on; resolves after the first attempt, leading or not (never rejects) */
  start(): Promise<void>;
  /**
   * Stops campaigning and steps down. With `release` (the default) a held
   * Lease is given back, so a standby takes over at once; without, it is
   * left to expire (what a crash does).
   */
  stop(options?: { release?: boolean }): Promise<void>;
}

/** Standbys poll up to this fraction sooner than retryPeriod, so two of them do not move in lockstep. */
const STANDBY_JITTER = 0.2;
const STOPPING = "this agent is stopping";

export function createLeaseLeadership(deps: LeaseLeadershipDeps): LeaseLeadership {
  const { lock, identity, clock, metrics, durations } = deps;
  const problem = leaseDurationsProblem(durations);
  if (problem) throw new Error(`leader election: ${problem}`);
  const timers = deps.timers ?? systemTimers;
  const random = deps.random ?? Math.random;
  const logger = deps.logger.child({ component: "leader-election", lease: lock.description, identity });
  const { renewDeadlineMs, retryPeriodMs } = durations;
  // A hung request must not hold the loop: a leader still gets a few attempts within its deadline.
  const attemptTimeoutMs = Math.max(retryPeriodMs, Math.floor(renewDeadlineMs / 3));
  const listeners = new Set<(leading: boolean) => void>();

  /** the record last read or written, and (local ms) when we first saw that version */
  let observed: LeaseSnapshot | null = null;
  let observedAt = 0;
  let leading = false;
  let since: Date | null = null;
  /** local ms when the last successful acquire or renew was sent */
  let renewedAt = 0;
  let running = false;
  let failures = 0;
  let cancelNext: (() => void) | undefined;
  let cancelWatchdog: (() => void) | undefined;
  let round: Promise<void> | undefined;

  const nowMs = () => clock.now().getTime();
  const holds = () => leading && nowMs() < renewedAt + renewDeadlineMs;

  function observe(snapshot: LeaseSnapshot): void {
    if (snapshot.version !== observed?.version) observedAt = nowMs();
    observed = snapshot;
  }

  /** When the observed record stops protecting its holder, by our clock. */
  const expiresAt = () => observedAt + (observed?.record.leaseDurationSeconds ?? 0) * 1000;

  function otherHolder(): string | null {
    const holder = observed?.record.holderIdentity ?? "";
    return holder !== "" && holder !== identity && nowMs() < expiresAt() ? holder : null;
  }

  function notify(value: boolean): void {
    for (const listener of [...listeners]) {
      try {
        listener(value);
      } catch (err) {
        logger.error("a leadership listener failed", { err });
      }
    }
  }

  function armWatchdog(): void {
    cancelWatchdog?.();
    // isLeader() already turns false at the deadline; this tells the listeners even if no round ends then
    cancelWatchdog = timers.after(Math.max(0, renewedAt + renewDeadlineMs - nowMs()), () => {
      if (leading && !holds()) stepDown(`no renewal succeeded within ${renewDeadlineMs} ms`);
    });
  }

  function becomeLeader(): void {
    leading = true;
    since = clock.now();
    metrics.setLeader(identity, true);
    metrics.leaderTransition("acquired");
    logger.info("became leader", {
      acquireTime: observed?.record.acquireTime?.toISOString(),
      transitions: observed?.record.leaseTransitions,
    });
    armWatchdog();
    notify(true);
  }

  function stepDown(why: string): void {
    if (!leading) return;
    leading = false;
    since = null;
    cancelWatchdog?.();
    metrics.setLeader(identity, false);
    metrics.leaderTransition("lost");
    // a shutdown is expected; anything else means the election took leadership away
    if (why === STOPPING) logger.info("stopped leading", { why });
    else logger.warn("stopped leading", { why, leader: otherHolder() });
    notify(false);
  }

  /** One round: renew or acquire. Resolves true when we hold the Lease; a lost race is false, not an error. */
  async function acquireOrRenew(abandoned: () => boolean): Promise<boolean> {
    const sentAt = nowMs();
    const won = (written: LeaseSnapshot) => {
      if (abandoned()) return false;
      observe(written);
      renewedAt = sentAt;
      return true;
    };
    try {
      // The leader renews the version it wrote last without reading it first; a conflict falls back to a read.
      if (leading && observed?.record.holderIdentity === identity) {
        try {
          return won(await lock.update(observed.version, renewal(observed.record, durations, clock.now())));
        } catch (err) {
          if (!(err instanceof LeaseConflict)) throw err;
        }
      }
      const current = await lock.get();
      if (abandoned()) return false;
      if (current === null) return won(await lock.create(takeover(null, identity, durations, clock.now())));
      observe(current);
      if (otherHolder() !== null) return false;
      const record = current.record;
      const next =
        record.holderIdentity === identity
          ? renewal(record, durations, clock.now())
          : takeover(record, identity, durations, clock.now());
      return won(await lock.update(current.version, next));
    } catch (err) {
      if (!(err instanceof LeaseConflict)) throw err;
      logger.debug("lost a race for the lease", { err: err.message });
      // see the winner now rather than at the next poll: who leads, and from when its lease counts
      const winner = await lock.get().catch(() => null);
      if (winner && !abandoned()) observe(winner);
      return false;
    }
  }

  /**
   * `run`'s result, or a rejection after attemptTimeoutMs; `run` learns through
   * `abandoned()` that nobody waits for it any more, and must not act then.
   */
  async function bounded<T>(run: (abandoned: () => boolean) => Promise<T>): Promise<T> {
    let abandoned = false;
    let cancel: (() => void) | undefined;
    const work = run(() => abandoned);
    work.catch(() => {}); // an abandoned attempt may still fail later; nobody waits for it then
    try {
      return await Promise.race([
        work,
        new Promise<never>((_, reject) => {
          cancel = timers.after(attemptTimeoutMs, () => {
            abandoned = true;
            reject(new Error(`no answer within ${attemptTimeoutMs} ms`));
          });
        }),
      ]);
    } finally {
      cancel?.();
    }
  }

  async function runRound(): Promise<void> {
    let ok = false;
    try {
      ok = await bounded(acquireOrRenew);
      if (failures > 0) logger.info("the lease is reachable again", { afterFailures: failures });
      failures = 0;
    } catch (err) {
      failures += 1;
      // 1st, 2nd, 4th, 8th… failure: an outage shows without flooding the log
      if ((failures & (failures - 1)) === 0) {
        logger.warn("leader election round failed", { failures, err: messageOf(err) });
      }
    }
    if (!running) return;
    if (ok && !leading) becomeLeader();
    else if (ok) armWatchdog();
    else if (leading && (otherHolder() !== null || !holds())) {
      stepDown(otherHolder() !== null ? "another replica holds the lease" : "the renew deadline passed");
    }
  }

  function nextDelay(): number {
    if (leading) return retryPeriodMs;
    const poll = retryPeriodMs * (1 - STANDBY_JITTER * random());
    // wake exactly when the lease we watch expires, rather than up to a period later
    return otherHolder() !== null ? Math.min(poll, Math.max(0, expiresAt() - nowMs())) : poll;
  }

  function schedule(): void {
    if (!running) return;
    cancelNext = timers.after(nextDelay(), () => {
      cancelNext = undefined;
      round = runRound().finally(schedule);
    });
  }

  /** Gives the Lease back if, as far as we saw, we hold it (also when a round won it while stopping). */
  async function release(): Promise<void> {
    const held = observed;
    if (!held || held.record.holderIdentity !== identity) return;
    try {
      // bounded: shutdown must not hang on an unreachable API server
      await bounded(() => lock.update(held.version, released(held.record, clock.now())));
      logger.info("released the lease");
    } catch (err) {
      if (err instanceof LeaseConflict) logger.info("the lease changed hands already; nothing to release");
      // it expires on its own; the standby just waits longer
      else logger.warn("could not release the lease", { err: messageOf(err) });
    }
  }

  return {
    isLeader: holds,
    identity: () => identity,
    leaderSince: () => (holds() ? since : null),
    currentLeader: () => (holds() ? identity : otherHolder()),
    subscribe(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },

    async start() {
      if (running) return;
      running = true;
      metrics.setLeader(identity, false);
      round = runRound();
      await round;
      schedule();
    },

    async stop(options = {}) {
      if (!running) return;
      running = false;
      cancelNext?.();
      // at once, before any wait: nothing may act as leader once a standby could take over
      stepDown(STOPPING);
      // a round in flight ends (bounded) first, so the release writes over what it wrote
      await round;
      if (options.release ?? true) await release();
    },
  };
}

function messageOf(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
