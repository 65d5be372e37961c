/** The jobs this build knows, by name; both runtimes schedule exactly these. */
import { dispatchNotificationsJob } from "./dispatch-notifications.ts";
import { evaluateStrategiesJob } from "./evaluate-strategies.ts";
import { expireReservationsJob } from "./expire-reservations.ts";
import { heartbeatJob } from "./heartbeat.ts";
import { markClustersOfflineJob } from "./mark-clusters-offline.ts";
import { probeClustersJob } from "./probe-clusters.ts";
import { purgeRetentionJob } from "./purge-retention.ts";
import { rollupSnapshotsJob } from "./rollup-snapshots.ts";
import { rotateEncryptionJob } from "./rotate-encryption.ts";
import { samplePoolStatusJob } from "./sample-pool-status.ts";
import { trackOrdersJob } from "./track-orders.ts";
import type { Job } from "./types.ts";

export class JobRegistry {
  readonly #jobs = new Map<string, Job>();

  constructor(jobs: readonly Job[]) {
    for (const job of jobs) {
      if (this.#jobs.has(job.name)) throw new Error(`job "${job.name}" is registered twice`);
      this.#jobs.set(job.name, job);
    }
  }

  get(name: string): Job | undefined {
    return this.#jobs.get(name);
  }

  list(): Job[] {
    return [...this.#jobs.values()];
  }
}

export function defaultJobRegistry(): JobRegistry {
  return new JobRegistry([
    heartbeatJob,
    markClustersOfflineJob,
    expireReservationsJob,
    // after the roll-up, so yesterday's daily rows exist before the day's evaluation fans out
    rollupSnapshotsJob,
    evaluateStrategiesJob,
    purgeRetentionJob,
    trackOrdersJob,
    dispatchNotificationsJob,
    samplePoolStatusJob,
    probeClustersJob,
    rotateEncryptionJob,
  ]);
}
