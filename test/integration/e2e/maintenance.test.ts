/**
 * Maintenance end to end on the sandbox stack: the embedded control plane
 * (its scheduler running the order tracker), the real agent process, the
 * Kubernetes API test server and two real sshd hosts joined to it by the CA
 * emulator. An external system asks for a ready machine's maintenance, a
 * person approves the order; the agent cordons its Node (marked
 * `ksp.io/cordoned-for: maintenance`), drains it through the Eviction API
 * with a PodDisruptionBudget respected, and reports it in maintenance,
 * keeping the Node; the tracker moves the order to maintenance_in_progress.
 * The external system reports the maintenance over: the machine is ready
 * again and the agent uncordons its Node. Nothing here moves a machine or
 * an order by hand: the REST API, the tracker and the agent do.
 */
import { describe, expect, it } from "vitest";
import {
  asCaNode,
  isReady,
  machineIdOf,
  requireSandbox,
  until,
  useSandboxStack,
} from "../../support/e2e-stack.ts";
import type { KubeObject } from "../../support/kube-api/index.ts";
import { startReplicaController } from "../../support/kube-api/index.ts";

const ok = await requireSandbox();
const POOL = "default";
const CORDONED_FOR = "ksp.io/cordoned-for";
const TICKET = "MAINT-4711";

interface OrderJson {
  id: string;
  number: string;
  action: string;
  status: string;
  externalTicketId: string | null;
  parentOrderId: string | null;
  devices: { machineId: string; status: string; error: string | null }[];
}

describe.skipIf(!ok)("maintenance end to end (sandbox stack, CA emulator)", () => {
  const e2e = useSandboxStack({
    hosts: 2,
    pool: { drainSettings: { timeoutSeconds: 120, gracePeriodSeconds: 5 } },
    // the order tracker runs on the control plane's scheduler: every 2 s instead of every minute
    controlPlaneEnv: { KSP_SCHEDULER_INTERVAL_SECONDS: "2" },
  });
  const { api, machine, nodes, hostOf } = e2e;

  const stored = (name: string): KubeObject => e2e.stack.kube.store.get("nodes", undefined, name);
  const unschedulable = (name: string) =>
    (stored(name).spec as { unschedulable?: boolean }).unschedulable === true;
  const annotations = (name: string) => stored(name).metadata.annotations ?? {};
  const order = (id: string) => api<OrderJson>("GET", `/v1/orders/${id}`);
  const refusedEvictions = () =>
    e2e.stack.kube.requests.filter(
      (r) => r.method === "POST" && r.path.endsWith("/eviction") && r.status === 429,
    );

  it("cordons and drains a machine for maintenance, keeps its Node, and brings it back into service", async () => {
    expect(await e2e.ca.scaleUp(POOL, 2)).toEqual({ outcome: "scaled", before: 0, after: 2 });
    await until("2 Ready Nodes", async () => nodes().length === 2 && nodes().every(isReady) && true);
    await until("both machines ready", async () =>
      (await Promise.all(e2e.stack.hosts.map((h) => machine(h.machineId)))).every(
        (m) => m.status === "ready",
      ),
    );

    const rs = startReplicaController(e2e.stack.kube, {
      namespace: "default",
      name: "web",
      labels: { app: "web" },
      replicas: 2,
    });
    try {
      // two replicas may never drop below two healthy pods: the drain's evictions are refused for now
      e2e.stack.kube.store.create("poddisruptionbudgets", "default", {
        metadata: { name: "web" },
        spec: { minAvailable: 2, selector: { matchLabels: { app: "web" } } },
      });
      const hosting = await until("both replicas on Nodes", async () => {
        const bound = rs.pods().map((p) => (p.spec as { nodeName?: string }).nodeName);
        return bound.every(Boolean) && new Set(bound).size === 2 && (bound as string[]);
      });
      const victim = nodes().find((n) => n.metadata.name === hosting[0])!;
      const victimName = victim.metadata.name!;
      const other = nodes().find((n) => n.metadata.name !== victimName)!;
      const victimId = machineIdOf(victim);

      // the external system asks (twice: the ticket makes it one order), a person approves
      const requested = await api<OrderJson>("POST", "/v1/maintenance-requests", {
        machineId: victimId,
        ticketId: TICKET,
        reason: "replace a failing disk",
      });
      expect(requested).toMatchObject({ action: "maintenance", status: "pending", externalTicketId: TICKET });
      expect(requested.devices.map((d) => d.machineId)).toEqual([victimId]);
      const again = await api<OrderJson>("POST", "/v1/maintenance-requests", {
        machineId: victimId,
        ticketId: TICKET,
      });
      expect(again.id).toBe(requested.id);
      expect((await machine(victimId)).status).toBe("ready");
      const approved = await api<OrderJson>("POST", `/v1/orders/${requested.id}/approve`, {});
      expect(approved.status).toBe("processing");

      // cordoned with the agent's mark, the replica's eviction refused by the budget (never forced)
      await until(
        "the Node cordoned and marked, its eviction refused by the PDB (429)",
        async () =>
          unschedulable(victimName) &&
          annotations(victimName)[CORDONED_FOR] === "maintenance" &&
          refusedEvictions().length > 0,
        30_000,
      );
      expect((await machine(victimId)).status).toBe("draining");
      expect(unschedulable(other.metadata.name!)).toBe(false);

      // a third replica lands on the other Node: the budget allows one disruption, the drain finishes
      rs.scale(3);
      await until(
        "the machine in maintenance",
        async () => (await machine(victimId)).status === "maintenance",
        90_000,
      );
      const inProgress = await until("the order in maintenance_in_progress", async () => {
        const o = await order(requested.id);
        return o.status === "maintenance_in_progress" && o;
      });
      expect(inProgress.devices).toEqual([expect.objectContaining({ machineId: victimId, status: "done" })]);

      // drained through evictions only, the Node kept (cordoned, marked), the host not reset
      expect(e2e.stack.kube.requests.filter((r) => r.method === "DELETE" && /\/pods\//.test(r.path))).toEqual(
        [],
      );
      expect(rs.pods().every((p) => (p.spec as { nodeName?: string }).nodeName === other.metadata.name)).toBe(
        true,
      );
      expect(
        nodes()
          .map((n) => n.metadata.name)
          .sort(),
      ).toEqual([victimName, other.metadata.name!].sort());
      expect(unschedulable(victimName)).toBe(true);
      expect(annotations(victimName)[CORDONED_FOR]).toBe("maintenance");
      expect(await hostOf(victimId).kubeletRunning()).toBe(true);
      const away = await machine(victimId);
      expect(away).toMatchObject({ nodeName: victimName, providerId: `ksp://${victimId}` });
      // CA: still the pool's Node, counted in no target size, not CA's to delete
      const loop = await e2e.ca.runOnce(nodes().map(asCaNode));
      expect(loop.groupOfNode.get(victimName)).toBe(POOL);
      expect(loop.targetSizes.get(POOL)).toBe(1);
      expect(loop.instances.get(POOL)?.find((i) => i.id === `ksp://${victimId}`)?.state).toBe(
        "instanceDeleting",
      );
      await expect(e2e.ca.deleteNodes(POOL, [asCaNode(stored(victimName))])).rejects.toThrow(
        /under maintenance/,
      );
      // the agent leaves it alone meanwhile: no zombie, no reset
      await new Promise((resolve) => setTimeout(resolve, 3_000));
      expect((await machine(victimId)).status).toBe("maintenance");
      expect(unschedulable(victimName)).toBe(true);

      // the external system reports the maintenance over
      const done = await api<{ order: OrderJson; uncordonOrder: OrderJson | null }>(
        "POST",
        `/v1/maintenance-requests/${TICKET}/complete`,
        { outcome: "completed", note: "disk replaced" },
      );
      expect(done.order).toMatchObject({ id: requested.id, status: "completed" });
      expect(done.uncordonOrder).toMatchObject({ action: "uncordon", parentOrderId: requested.id });

      await until("the machine ready again", async () => (await machine(victimId)).status === "ready");
      await until(
        "its Node uncordoned and unmarked",
        async () => !unschedulable(victimName) && !annotations(victimName)[CORDONED_FOR],
      );
      expect(isReady(stored(victimName))).toBe(true);
      expect(await e2e.ca.targetSize(POOL)).toBe(2);
      // schedulable again: a new replica may land there
      rs.scale(4);
      await until("a replica back on the Node", async () =>
        rs.pods().some((p) => (p.spec as { nodeName?: string }).nodeName === victimName),
      );
    } finally {
      rs.stop();
      e2e.stack.kube.store.delete("poddisruptionbudgets", "default", "web");
      for (const pod of e2e.stack.kube.store.list("pods", { namespace: "default" }).items) {
        e2e.stack.kube.store.delete("pods", "default", pod.metadata.name!);
      }
    }
  }, 240_000);
});
