/**
 * What the order tests share: a cluster with a pool, its agent credential and
 * tokens; a subscription so the notification outbox has a recipient; the
 * agent's transitions sent through the real agent route, as an agent would;
 * and the tracker run as its job runs it.
 */
import { randomUUID } from "node:crypto";
import { eq } from "drizzle-orm";
import { expect } from "vitest";
import {
  clusters,
  type Machine,
  machines,
  type NewNodePool,
  notifications,
  subscriptions,
} from "../../../drizzle/schema/index.ts";
import { trackOrders } from "../../../functions/services/orders/track-orders.ts";
import type { TestApi } from "../api.ts";
import { seedCluster, seedPool, testContext } from "../fixtures.ts";

export interface OrderWorld {
  clusterId: string;
  poolId: string;
  credential: string;
  operator: string;
  viewer: string;
}

export async function orderWorld(api: TestApi, pool: Partial<NewNodePool> = {}): Promise<OrderWorld> {
  const { db } = api.database;
  const cluster = await seedCluster(db);
  const seeded = await seedPool(db, cluster.id, pool);
  return {
    clusterId: cluster.id,
    poolId: seeded.id,
    credential: await api.agentCredentialFor(cluster.id),
    operator: await api.tokenFor("operator"),
    viewer: await api.tokenFor("viewer"),
  };
}

/** One enabled webhook subscription to every order event, so each one leaves an outbox row. */
export async function subscribeToOrders(api: TestApi): Promise<void> {
  const [existing] = await api.database.db
    .select({ id: subscriptions.id })
    .from(subscriptions)
    .where(eq(subscriptions.name, "order-tests"));
  if (existing) return;
  await api.database.db.insert(subscriptions).values({
    name: "order-tests",
    eventTypes: ["order.created", "order.completed", "order.failed"],
    channel: "webhook",
    address: `https://hooks.example.com/${randomUUID()}`,
  });
}

/** The event types of the outbox rows about an order, in the order they were written. */
export async function outboxOf(api: TestApi, orderId: string): Promise<string[]> {
  const rows = await api.database.db
    .select({ eventType: notifications.eventType, createdAt: notifications.createdAt })
    .from(notifications)
    .where(eq(notifications.subjectId, orderId));
  return rows.map((r) => r.eventType).sort();
}

export async function machineRow(api: TestApi, id: string): Promise<Machine> {
  const [row] = await api.database.db.select().from(machines).where(eq(machines.id, id));
  return row!;
}

export async function stateVersion(api: TestApi, clusterId: string): Promise<number> {
  const [row] = await api.database.db
    .select({ v: clusters.stateVersion })
    .from(clusters)
    .where(eq(clusters.id, clusterId));
  return row!.v;
}

/** Machine transitions reported through POST /v1/agent/transitions; every one must apply. */
export async function agentReports(
  api: TestApi,
  credential: string,
  items: { machineId: string; from: string; to: string; reason?: string; lastError?: string }[],
): Promise<void> {
  const res = await api.json("POST", "/v1/agent/transitions", { token: credential, body: { items } });
  expect(res.status, JSON.stringify(res.body)).toBe(200);
  expect(res.body.summary, JSON.stringify(res.body.results)).toEqual({ applied: items.length, failed: 0 });
}

/** One run of the tracker, as the track-orders job runs it. */
export function track(api: TestApi) {
  return trackOrders(
    testContext(api.database.db, { clock: api.deps.clock, coordination: api.deps.coordination }),
  );
}

export type OrderBody = {
  id: string;
  number: string;
  action: string;
  status: string;
  clusterId: string | null;
  poolId: string | null;
  version: number;
  failureReason: string | null;
  createdBy: string;
  executedBy: string | null;
  parentOrderId: string | null;
  externalTicketId: string | null;
  devices: { machineId: string; hostname: string; status: string; error: string | null }[];
  error?: { code: string; message: string; requestId: string; details?: Record<string, unknown> };
};
