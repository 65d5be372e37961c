/**
 * Two agent replicas on the sandbox stack, behind the front that stands in
 * for the agent's Service: one Lease, one leader. Only the leader changes
 * anything (the API server's request log names each replica by its bearer
 * token); SIGKILLed mid scale-up, the standby takes the Lease within lease
 * duration + retry period, finishes the joins the dead leader started and
 * deletes its join token.
 */
import { describe, expect, it } from "vitest";
import type { SandboxAgent } from "../../../scripts/sandbox-stack.ts";
import { requireSandbox, useSandboxStack } from "../../support/e2e-stack.ts";
import { waitFor } from "../../support/eventually.ts";

const ok = await requireSandbox();
const POOL = "default";
const LEASE_MS = 4_000;
const RETRY_MS = 500;

const readyz = async (agent: SandboxAgent) =>
  (await fetch(`${agent.healthUrl}/readyz`, { signal: AbortSignal.timeout(1_000) })).status;

describe.skipIf(!ok)("leader election: two agent replicas, one Lease", () => {
  const e2e = useSandboxStack({
    hosts: 2,
    agents: 2,
    agentEnv: {
      KSP_LEASE_DURATION: `${LEASE_MS / 1000}s`,
      KSP_LEASE_RENEW_DEADLINE: "3s",
      KSP_LEASE_RETRY_PERIOD: `${RETRY_MS}ms`,
    },
  });
  const { api, nodes, tokens } = e2e;

  const holder = () =>
    (e2e.stack.kube.store.get("leases", "kube-system", "ksp-agent").spec as { holderIdentity?: string })
      .holderIdentity;
  const machines = async () =>
    (
      await api<{ items: { id: string; status: string }[] }>(
        "GET",
        `/v1/machines?clusterId=${e2e.stack.clusterId}`,
      )
    ).items;
  /** who the control plane was told leads (the leader's heartbeats) */
  const recordedLeader = async () =>
    (await api<{ leader: { identity: string } | null }>("GET", `/v1/clusters/${e2e.stack.clusterId}`)).leader
      ?.identity;
  /** what a replica changed on the API server: every request but reads, by its bearer token */
  const writesBy = (identity: string) =>
    e2e.stack.kube.requests.filter((r) => r.token === identity && r.method !== "GET");

  it("only the leader is ready and writes; killed mid scale-up, the standby takes over and finishes it", async () => {
    const statuses = await Promise.all(e2e.stack.agents.map(readyz));
    expect([...statuses].sort()).toEqual([200, 503]);
    const leader = e2e.stack.agents[statuses.indexOf(200)]!;
    const standby = e2e.stack.agents[statuses.indexOf(503)]!;
    expect(holder()).toBe(leader.identity);
    await waitFor("the leader's heartbeat", async () => (await recordedLeader()) === leader.identity, 30_000);

    for (const host of e2e.stack.ssh.hosts) await host.setBehaviour("kubeadm join", { delayMs: 2_000 });
    expect(await e2e.ca.scaleUp(POOL, 2)).toMatchObject({ outcome: "scaled", after: 2 });
    await waitFor(
      "a kubeadm join running",
      async () => {
        for (const host of e2e.stack.ssh.hosts) {
          if ((await host.runningCalls()).some((c) => c.argv[1] === "join")) return true;
        }
        return false;
      },
      30_000,
      50,
    );
    // the leader made the join token and moved the machines; the standby only read
    expect(writesBy(leader.identity).length).toBeGreaterThan(0);
    expect(writesBy(standby.identity)).toEqual([]);
    const before = tokens().map((t) => t.metadata.name);
    expect(before).toHaveLength(1);

    leader.kill();
    const killedAt = performance.now();
    await waitFor("the standby to hold the Lease", async () => holder() === standby.identity, 15_000, 20);
    const takeover = performance.now() - killedAt;
    console.log(
      `[leader-election] Lease taken over ${Math.round(takeover)} ms after SIGKILL (lease ${LEASE_MS} + retry ${RETRY_MS} ms)`,
    );
    // its view of the Lease last changed at the leader's last renewal, at most a retry period before the kill
    expect(takeover).toBeLessThanOrEqual(LEASE_MS + RETRY_MS + 500);
    await waitFor("the new leader ready", async () => (await readyz(standby)) === 200, 10_000, 100);

    for (const host of e2e.stack.ssh.hosts) await host.setBehaviour("kubeadm join", null);
    await waitFor(
      "both machines ready",
      async () => (await machines()).filter((m) => m.status === "ready").length === 2,
      60_000,
      250,
    );
    expect(nodes()).toHaveLength(2);
    // the dead leader's batch token does not outlive it
    await waitFor("no bootstrap token left", async () => tokens().length === 0, 15_000, 250);
    expect(writesBy(standby.identity).length).toBeGreaterThan(0);
    await waitFor("the new leader's heartbeat", async () => (await recordedLeader()) === standby.identity);
    // CA reaches the new leader through the same address
    expect(await e2e.ca.targetSize(POOL)).toBe(2);
  }, 180_000);
});
