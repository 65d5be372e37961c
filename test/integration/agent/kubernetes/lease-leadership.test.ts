/**
 * Leader election with the real Lease adapter on the Kubernetes API stand-in,
 * real timers and short timings (2 s / 1.5 s / 0.3 s): one leader at a time,
 * a standby that waits out a crashed leader's lease, and one that takes a
 * released lease at its next poll.
 */
import { CoordinationV1Api } from "@kubernetes/client-node";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { KubeError } from "../../../../agent/kubernetes/kube-error.ts";
import { createLeaseLock, LeaseConflict } from "../../../../agent/kubernetes/lease-lock.ts";
import type { LeaseRecord } from "../../../../agent/kubernetes/types.ts";
import { createLeaseLeadership, type LeaseLeadership } from "../../../../agent/leader/lease-leadership.ts";
import { systemClock } from "../../../../shared/clock.ts";
import { createLogger } from "../../../../shared/logger.ts";
import { waitFor } from "../../../support/eventually.ts";
import { type KubeApiServer, startKubeApiServer } from "../../../support/kube-api/index.ts";

const AT = { namespace: "kube-system", name: "ksp-agent" };
const DURATIONS = { leaseDurationMs: 2_000, renewDeadlineMs: 1_500, retryPeriodMs: 300 };

const record = (holder: string, at: Date, transitions = 0): LeaseRecord => ({
  holderIdentity: holder,
  leaseDurationSeconds: 15,
  acquireTime: at,
  renewTime: at,
  leaseTransitions: transitions,
});

describe("Lease lock on the API stand-in", () => {
  let kube: KubeApiServer;
  beforeEach(async () => {
    kube = await startKubeApiServer({ requireToken: "agent-token" });
  });
  afterEach(() => kube.close());

  const lock = (token?: string) =>
    createLeaseLock(kube.kubeConfig(token).makeApiClient(CoordinationV1Api), AT);

  it("reads nothing, creates, and replaces only the version it read; the loser of a race gets LeaseConflict", async () => {
    const a = lock();
    expect(await a.get()).toBeNull();
    const at = new Date("2026-11-23T10:00:00.123Z");
    const created = await a.create(record("agent-a", at));
    expect(created.record).toEqual(record("agent-a", at));
    // MicroTime on the wire: six fractional digits
    expect(kube.store.get("leases", AT.namespace, AT.name).spec).toMatchObject({
      holderIdentity: "agent-a",
      renewTime: "2026-11-23T10:00:00.123000Z",
    });
    await expect(lock().create(record("agent-b", at))).rejects.toBeInstanceOf(LeaseConflict);
    const later = new Date(at.getTime() + 2_000);
    const renewed = await a.update(created.version, { ...created.record, renewTime: later });
    expect(renewed.version).not.toBe(created.version);
    expect((await lock().get())?.record.renewTime).toEqual(later);
    // b read the old version: its write loses
    await expect(lock().update(created.version, record("agent-b", later, 1))).rejects.toBeInstanceOf(
      LeaseConflict,
    );
    expect((await a.get())?.record.holderIdentity).toBe("agent-a");
  });

  it("reports other failures as KubeError with the status, not as a lost race", async () => {
    const err = await lock("wrong-token")
      .get()
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(KubeError);
    expect(err).not.toBeInstanceOf(LeaseConflict);
    expect((err as KubeError).status).toBe(401);
    expect((err as Error).message).toMatch(/^cannot read Lease kube-system\/ksp-agent: HTTP 401/);
  });
});

describe("Lease leader election on the API stand-in", () => {
  let kube: KubeApiServer;
  let replicas: LeaseLeadership[];
  beforeEach(async () => {
    kube = await startKubeApiServer();
    replicas = [];
  });
  afterEach(async () => {
    await Promise.all(replicas.map((r) => r.stop({ release: false })));
    await kube.close();
  });

  function replica(identity: string): LeaseLeadership {
    const leadership = createLeaseLeadership({
      lock: createLeaseLock(kube.kubeConfig().makeApiClient(CoordinationV1Api), AT),
      identity,
      clock: systemClock,
      logger: createLogger({ level: "error", sink: () => {} }),
      metrics: { setLeader: () => {}, leaderTransition: () => {} },
      durations: DURATIONS,
    });
    replicas.push(leadership);
    return leadership;
  }

  const stored = () => kube.store.get("leases", AT.namespace, AT.name).spec as Record<string, unknown>;

  async function twoReplicas() {
    const [a, b] = [replica("agent-a"), replica("agent-b")];
    await Promise.all([a.start(), b.start()]);
    const leader = await waitFor("a leader", () => [a, b].find((r) => r.isLeader()), 3_000);
    const standby = leader === a ? b : a;
    return { leader, standby };
  }

  /** Polls until `standby` leads; resolves with how long that took. */
  async function takeover(standby: LeaseLeadership): Promise<number> {
    const from = performance.now();
    await waitFor(`${standby.identity()} to lead`, () => standby.isLeader(), 10_000, 10);
    return performance.now() - from;
  }

  it("lets exactly one of two replicas lead, and keeps it so while it renews", async () => {
    const { leader, standby } = await twoReplicas();
    for (let i = 0; i < 10; i++) {
      expect(leader.isLeader()).toBe(true);
      expect(standby.isLeader()).toBe(false);
      expect(standby.currentLeader()).toBe(leader.identity());
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    expect(stored()).toMatchObject({ holderIdentity: leader.identity(), leaseDurationSeconds: 2 });
  });

  it("after a leader crash (no release), the standby takes over once the lease expired: within duration + retry", async () => {
    const { leader, standby } = await twoReplicas();
    const transitions = stored().leaseTransitions as number;
    await leader.stop({ release: false }); // its timers stop; the Lease still names it
    expect(stored().holderIdentity).toBe(leader.identity());
    const took = await takeover(standby);
    // not before the lease could have expired (2 s from a renewal at most 0.3 s before the crash) …
    expect(took).toBeGreaterThan(DURATIONS.leaseDurationMs - DURATIONS.retryPeriodMs - 200);
    // … and within duration + retry period (plus slack for a shared machine)
    expect(took).toBeLessThan(DURATIONS.leaseDurationMs + DURATIONS.retryPeriodMs + 1_000);
    expect(stored()).toMatchObject({ holderIdentity: standby.identity(), leaseTransitions: transitions + 1 });
  });

  it("after a graceful stop (released), the standby takes over at its next poll", async () => {
    const { leader, standby } = await twoReplicas();
    await leader.stop();
    expect(stored()).toMatchObject({ holderIdentity: "", leaseDurationSeconds: 1 });
    const took = await takeover(standby);
    expect(took).toBeLessThan(DURATIONS.retryPeriodMs + 700);
    expect(stored().holderIdentity).toBe(standby.identity());
  });
});
