/** Readiness reflects leadership: only the leader is ready, a standby says who leads. */
import { describe, expect, it } from "vitest";
import { leaderReadiness } from "../../../../agent/leader/readiness.ts";
import { alwaysLeader } from "../../../../agent/leadership.ts";
import { SettableLeadership } from "../../../support/agent/settable-leadership.ts";

describe("leaderReadiness", () => {
  it("is the serving readiness on the leader, and on a replica leading alone", () => {
    const leader = new SettableLeadership("agent-a");
    expect(leaderReadiness({ ready: true }, leader)).toEqual({ ready: true });
    expect(leaderReadiness({ ready: true }, alwaysLeader("agent-a"))).toEqual({ ready: true });
  });

  it("keeps the serving reason while the replica cannot serve, leader or not", () => {
    const standby = new SettableLeadership("agent-a", false);
    const notSynced = { ready: false, reason: "waiting for the first state from the control plane" };
    expect(leaderReadiness(notSynced, standby)).toEqual(notSynced);
  });

  it("is not ready on a standby, naming the leader (or that none leads yet)", () => {
    const standby = new SettableLeadership("agent-a", false);
    standby.otherLeader = "agent-b";
    expect(leaderReadiness({ ready: true }, standby)).toEqual({
      ready: false,
      reason: "standby: agent-b leads",
    });
    standby.otherLeader = null;
    expect(leaderReadiness({ ready: true }, standby)).toEqual({
      ready: false,
      reason: "standby: no replica leads yet",
    });
    standby.leader = true;
    expect(leaderReadiness({ ready: true }, standby)).toEqual({ ready: true });
  });
});
