/**
 * The Lease records leader election writes, and the durations it runs on,
 * with client-go's leaderelection semantics: a takeover counts a transition
 * and stamps acquireTime, a renewal keeps both, a release leaves no holder
 * and a one-second duration so a standby need not wait for expiry.
 */
import type { LeaseRecord } from "../kubernetes/types.ts";

export interface LeaseDurations {
  /** how long others wait, from the last change they saw, before taking an unrenewed lease */
  leaseDurationMs: number;
  /** the leader steps down when no renewal succeeded for this long; below leaseDurationMs */
  renewDeadlineMs: number;
  /** between attempts to acquire or renew; below renewDeadlineMs */
  retryPeriodMs: number;
}

/** client-go's and kube-controller-manager's defaults. */
export const DEFAULT_LEASE_DURATIONS: LeaseDurations = {
  leaseDurationMs: 15_000,
  renewDeadlineMs: 10_000,
  retryPeriodMs: 2_000,
};

/**
 * Why the durations cannot work, or null. The leader must give up
 * (renewDeadline) before a standby may take over (leaseDuration), and must
 * get more than one attempt in before giving up (retryPeriod).
 */
export function leaseDurationsProblem(d: LeaseDurations): string | null {
  if (!(d.retryPeriodMs > 0)) return "the retry period must be positive";
  if (!(d.renewDeadlineMs > d.retryPeriodMs))
    return "the renew deadline must be longer than the retry period";
  if (!(d.leaseDurationMs > d.renewDeadlineMs))
    return "the lease duration must be longer than the renew deadline";
  return null;
}

/** The Lease stores whole seconds; rounding up keeps a standby waiting at least the configured time. */
export const leaseDurationSeconds = (d: LeaseDurations) => Math.ceil(d.leaseDurationMs / 1000);

/** `identity` takes the lease over from whoever held it (or nobody). */
export function takeover(
  previous: LeaseRecord | null,
  identity: string,
  d: LeaseDurations,
  now: Date,
): LeaseRecord {
  return {
    holderIdentity: identity,
    leaseDurationSeconds: leaseDurationSeconds(d),
    acquireTime: now,
    renewTime: now,
    leaseTransitions: previous === null ? 0 : previous.leaseTransitions + 1,
  };
}

/** The holder renews: same acquisition, new renewTime (and its current duration). */
export function renewal(current: LeaseRecord, d: LeaseDurations, now: Date): LeaseRecord {
  return { ...current, leaseDurationSeconds: leaseDurationSeconds(d), renewTime: now };
}

/** Given back on a graceful stop (client-go's ReleaseOnCancel). */
export function released(current: LeaseRecord, now: Date): LeaseRecord {
  return {
    holderIdentity: "",
    leaseDurationSeconds: 1,
    acquireTime: now,
    renewTime: now,
    leaseTransitions: current.leaseTransitions,
  };
}
