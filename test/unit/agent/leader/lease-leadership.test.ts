/**
 * Leader election on a fake Lease and a manual clock: acquiring, renewing,
 * stepping down at the renew deadline, a standby taking over after expiry
 * or at once after a release, and exactly one winner when replicas race.
 */
import { afterEach, describe, expect, it } from "vitest";
import { createLeaseLeadership, type LeaseLeadership } from "../../../../agent/leader/lease-leadership.ts";
import { DEFAULT_LEASE_DURATIONS } from "../../../../agent/leader/lease-record.ts";
import { createLogger } from "../../../../shared/logger.ts";
import { FakeLease, type FakeLeaseLock } from "../../../support/agent/fake-lease-lock.ts";
import { ManualTime } from "../../../support/manual-time.ts";

const T0 = Date.UTC(2026, 10, 23, 10, 0, 0);
const at = (ms: number) => new Date(T0 + ms);

interface Replica {
  leadership: LeaseLeadership;
  lock: FakeLeaseLock;
  /** what the subscribers were told, in order */
  changes: boolean[];
  /** leaderTransition and setLeader calls */
  metrics: string[];
  logs: Record<string, unknown>[];
}

const started: Replica[] = [];
afterEach(async () => {
  for (const r of started.splice(0)) await r.leadership.stop({ release: false });
});

function replica(lease: FakeLease, time: ManualTime, identity: string): Replica {
  const lock = lease.lock();
  const logs: Record<string, unknown>[] = [];
  const metrics: string[] = [];
  const leadership = createLeaseLeadership({
    lock,
    identity,
    clock: time,
    timers: time,
    logger: createLogger({ level: "debug", sink: (line) => logs.push(JSON.parse(line)) }),
    metrics: {
      setLeader: (who, leading) => metrics.push(`${who} ${leading ? "leads" : "stands by"}`),
      leaderTransition: (change) => metrics.push(change),
    },
    durations: DEFAULT_LEASE_DURATIONS,
    random: () => 0, // standbys poll exactly every retry period
  });
  const changes: boolean[] = [];
  leadership.subscribe((leading) => changes.push(leading));
  const r = { leadership, lock, changes, metrics, logs };
  started.push(r);
  return r;
}

function setup() {
  const lease = new FakeLease();
  const time = new ManualTime(T0);
  return { lease, time, replica: (identity: string) => replica(lease, time, identity) };
}

describe("Lease leader election", () => {
  it("takes a Lease nobody holds and says so", async () => {
    const { lease, replica } = setup();
    const a = replica("agent-a");
    await a.leadership.start();
    expect(a.leadership.isLeader()).toBe(true);
    expect(a.leadership.leaderSince()).toEqual(at(0));
    expect(a.leadership.currentLeader()).toBe("agent-a");
    expect(lease.record).toEqual({
      holderIdentity: "agent-a",
      leaseDurationSeconds: 15,
      acquireTime: at(0),
      renewTime: at(0),
      leaseTransitions: 0,
    });
    expect(a.changes).toEqual([true]);
    expect(a.metrics).toEqual(["agent-a stands by", "agent-a leads", "acquired"]);
  });

  it("renews every retry period without reading first, and keeps its acquisition; a standby follows", async () => {
    const { lease, time, replica } = setup();
    const a = replica("agent-a");
    await a.leadership.start();
    const b = replica("agent-b");
    await b.leadership.start();
    expect(b.leadership.isLeader()).toBe(false);
    expect(b.leadership.leaderSince()).toBeNull();
    expect(b.leadership.currentLeader()).toBe("agent-a");
    a.lock.calls.length = 0;
    await time.advance(2_000);
    expect(a.lock.calls).toEqual(["update"]);
    expect(lease.record).toMatchObject({ renewTime: at(2_000), acquireTime: at(0), leaseTransitions: 0 });
    await time.advance(60_000);
    expect(a.leadership.isLeader()).toBe(true);
    expect(a.leadership.leaderSince()).toEqual(at(0));
    expect(b.leadership.isLeader()).toBe(false);
    expect(b.changes).toEqual([]);
    expect(lease.writes.every((w) => w.holderIdentity === "agent-a")).toBe(true);
    expect(lease.record?.renewTime).toEqual(at(62_000));
  });

  it("steps down when it cannot renew within the renew deadline, before a standby may take over", async () => {
    const { lease, time, replica } = setup();
    const a = replica("agent-a");
    const b = replica("agent-b");
    await a.leadership.start();
    await b.leadership.start();
    await time.advance(2_000); // a renews, then b sees the renewal: b's expiry is 2 s + 15 s
    a.lock.down = true;
    await time.advance(9_999);
    expect(a.leadership.isLeader()).toBe(true);
    await time.advance(1); // 10 s after the last renewal was sent
    expect(a.leadership.isLeader()).toBe(false);
    expect(a.changes).toEqual([true, false]);
    expect(a.metrics.slice(-2)).toEqual(["agent-a stands by", "lost"]);
    await time.advance(4_999); // 16.999 s
    expect(b.leadership.isLeader()).toBe(false);
    expect(b.leadership.currentLeader()).toBe("agent-a");
    await time.advance(1); // 17 s: the lease b watched expired by b's clock, and b wakes for it
    expect(b.leadership.isLeader()).toBe(true);
    expect(b.changes).toEqual([true]);
    expect(lease.record).toMatchObject({
      holderIdentity: "agent-b",
      acquireTime: at(17_000),
      leaseTransitions: 1,
    });
    // a, back on the network, finds b holding it and stays a standby
    a.lock.down = false;
    await time.advance(10_000);
    expect(a.leadership.isLeader()).toBe(false);
    expect(a.leadership.currentLeader()).toBe("agent-b");
  });

  it("judges expiry by its own clock from the change it saw, not by the renewTime written", async () => {
    const { lease, time, replica } = setup();
    // a record whose renewTime is far in the past (a skewed clock wrote it), but which changed just now
    lease.force({
      holderIdentity: "agent-skewed",
      leaseDurationSeconds: 15,
      acquireTime: at(-3_600_000),
      renewTime: at(-3_600_000),
      leaseTransitions: 2,
    });
    const b = replica("agent-b");
    await b.leadership.start();
    expect(b.leadership.isLeader()).toBe(false);
    expect(b.leadership.currentLeader()).toBe("agent-skewed");
    await time.advance(14_999);
    expect(b.leadership.isLeader()).toBe(false);
    await time.advance(1);
    expect(b.leadership.isLeader()).toBe(true);
    expect(lease.record?.leaseTransitions).toBe(3);
  });

  it("a crashed leader's standby takes over within leaseDuration + retryPeriod", async () => {
    const { lease, time, replica } = setup();
    const a = replica("agent-a");
    const b = replica("agent-b");
    await a.leadership.start();
    await b.leadership.start();
    await time.advance(4_000);
    await a.leadership.stop({ release: false }); // the process dies: no release
    expect(lease.record?.holderIdentity).toBe("agent-a");
    let waited = 0;
    while (!b.leadership.isLeader() && waited < 30_000) {
      await time.advance(100);
      waited += 100;
    }
    expect(b.leadership.isLeader()).toBe(true);
    expect(waited).toBeGreaterThanOrEqual(15_000 - 2_000);
    expect(waited).toBeLessThanOrEqual(15_000 + 2_000);
  });

  it("releases the Lease on a graceful stop, so the standby takes over at its next poll", async () => {
    const { lease, time, replica } = setup();
    const a = replica("agent-a");
    const b = replica("agent-b");
    await a.leadership.start();
    await b.leadership.start();
    await time.advance(500);
    await a.leadership.stop();
    expect(a.leadership.isLeader()).toBe(false);
    expect(a.changes).toEqual([true, false]);
    expect(lease.record).toEqual({
      holderIdentity: "",
      leaseDurationSeconds: 1,
      acquireTime: at(500),
      renewTime: at(500),
      leaseTransitions: 0,
    });
    expect(b.leadership.currentLeader()).toBe("agent-a"); // not seen yet
    await time.advance(1_500); // b's poll at 2 s
    expect(b.leadership.isLeader()).toBe(true);
    expect(lease.record).toMatchObject({ holderIdentity: "agent-b", leaseTransitions: 1 });
    expect(a.logs.some((l) => l.msg === "released the lease")).toBe(true);
  });

  it("a stop does not hang on an unreachable API server: it steps down and leaves the Lease to expire", async () => {
    const { lease, time, replica } = setup();
    const a = replica("agent-a");
    await a.leadership.start();
    a.lock.hang = true;
    const stopped = a.leadership.stop();
    expect(a.leadership.isLeader()).toBe(false); // at once, before any request could answer
    await time.advance(4_000);
    await stopped;
    expect(a.changes).toEqual([true, false]);
    expect(a.logs.find((l) => l.msg === "could not release the lease")).toMatchObject({
      err: "no answer within 3333 ms",
    });
    expect(lease.record?.holderIdentity).toBe("agent-a");
  });

  it("a standby's stop neither releases nor touches the Lease", async () => {
    const { lease, time, replica } = setup();
    const a = replica("agent-a");
    const b = replica("agent-b");
    await a.leadership.start();
    await b.leadership.start();
    const writes = lease.writes.length;
    await b.leadership.stop();
    expect(b.changes).toEqual([]);
    expect(lease.writes).toHaveLength(writes);
    await time.advance(30_000);
    expect(a.leadership.isLeader()).toBe(true);
    expect(b.lock.calls.filter((c) => c !== "get")).toEqual([]);
  });

  it("of replicas racing for an absent Lease, exactly one wins", async () => {
    const { lease, time, replica } = setup();
    const all = ["agent-a", "agent-b", "agent-c"].map(replica);
    await Promise.all(all.map((r) => r.leadership.start()));
    const leaders = () => all.filter((r) => r.leadership.isLeader());
    expect(leaders()).toHaveLength(1);
    expect(lease.writes).toHaveLength(1);
    const winner = leaders()[0]!.leadership.identity();
    // a loser looks at the winner at once, so it can say who leads
    for (const r of all) expect(r.leadership.currentLeader()).toBe(winner);
    await time.advance(30_000);
    expect(leaders().map((r) => r.leadership.identity())).toEqual([winner]);
    const losers = all.filter((r) => !r.leadership.isLeader());
    expect(losers.every((r) => r.logs.some((l) => l.msg === "lost a race for the lease"))).toBe(true);
  });

  it("of replicas racing for an expired Lease, exactly one wins and counts one transition", async () => {
    const { lease, time, replica } = setup();
    lease.force({
      holderIdentity: "agent-gone",
      leaseDurationSeconds: 15,
      acquireTime: at(0),
      renewTime: at(0),
      leaseTransitions: 4,
    });
    const all = ["agent-a", "agent-b"].map(replica);
    await Promise.all(all.map((r) => r.leadership.start()));
    await time.advance(15_000);
    expect(all.filter((r) => r.leadership.isLeader())).toHaveLength(1);
    expect(lease.record?.leaseTransitions).toBe(5);
    expect(lease.writes.filter((w) => w.holderIdentity !== "agent-gone")).toHaveLength(1);
  });

  it("steps down at once when it finds another holder in the Lease", async () => {
    const { lease, time, replica } = setup();
    const a = replica("agent-a");
    await a.leadership.start();
    await time.advance(1_000);
    lease.force({ ...lease.record!, holderIdentity: "agent-intruder", renewTime: at(1_000) });
    await time.advance(1_000);
    expect(a.leadership.isLeader()).toBe(false);
    expect(a.changes).toEqual([true, false]);
    expect(a.leadership.currentLeader()).toBe("agent-intruder");
    expect(a.logs.find((l) => l.msg === "stopped leading")).toMatchObject({
      why: "another replica holds the lease",
      leader: "agent-intruder",
    });
  });

  it("a hung request neither holds the loop nor keeps a leader leading past its deadline", async () => {
    const { time, replica } = setup();
    const a = replica("agent-a");
    await a.leadership.start();
    a.lock.hang = true;
    await time.advance(9_999);
    expect(a.leadership.isLeader()).toBe(true);
    // attempts time out and the loop goes on: more than one attempt was made meanwhile
    expect(a.lock.calls.filter((c) => c === "update").length).toBeGreaterThan(1);
    await time.advance(1);
    expect(a.leadership.isLeader()).toBe(false);
    expect(a.changes).toEqual([true, false]);
    a.lock.hang = false;
    await time.advance(6_000);
    // nobody else took it: the Lease still names a, which renews it and leads again
    expect(a.leadership.isLeader()).toBe(true);
    expect(a.changes).toEqual([true, false, true]);
  });

  it("keeps campaigning through API failures, logging them without flooding", async () => {
    const { time, replica } = setup();
    const a = replica("agent-a");
    a.lock.down = true;
    await a.leadership.start();
    expect(a.leadership.isLeader()).toBe(false);
    await time.advance(60_000);
    const warnings = a.logs.filter((l) => l.msg === "leader election round failed");
    expect(warnings.length).toBeGreaterThan(2);
    expect(warnings.length).toBeLessThan(10);
    a.lock.down = false;
    await time.advance(2_000);
    expect(a.leadership.isLeader()).toBe(true);
    expect(a.logs.some((l) => l.msg === "the lease is reachable again")).toBe(true);
  });

  it("a listener that throws does not stop the election or the other listeners", async () => {
    const { replica } = setup();
    const a = replica("agent-a");
    const heard: boolean[] = [];
    a.leadership.subscribe(() => {
      throw new Error("listener bug");
    });
    a.leadership.subscribe((leading) => heard.push(leading));
    await a.leadership.start();
    expect(a.leadership.isLeader()).toBe(true);
    expect(heard).toEqual([true]);
    expect(a.logs.some((l) => l.msg === "a leadership listener failed")).toBe(true);
  });

  it("refuses durations under which a standby could take over from a live leader", () => {
    const lease = new FakeLease();
    const build = (durations: typeof DEFAULT_LEASE_DURATIONS) => () =>
      createLeaseLeadership({
        lock: lease.lock(),
        identity: "x",
        clock: new ManualTime(),
        logger: createLogger({ sink: () => {} }),
        metrics: { setLeader: () => {}, leaderTransition: () => {} },
        durations,
      });
    expect(build({ leaseDurationMs: 10_000, renewDeadlineMs: 10_000, retryPeriodMs: 2_000 })).toThrow(
      /lease duration must be longer than the renew deadline/,
    );
    expect(build({ leaseDurationMs: 15_000, renewDeadlineMs: 2_000, retryPeriodMs: 2_000 })).toThrow(
      /renew deadline must be longer than the retry period/,
    );
    expect(build(DEFAULT_LEASE_DURATIONS)).not.toThrow();
  });
});
