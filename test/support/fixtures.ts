/**
 * Seed helpers for integration tests: a cluster, a pool, machines, and a
 * ServiceContext around a database. Every name and address is unique within
 * a process, so tests sharing one database do not collide.
 */
import { randomUUID } from "node:crypto";
import type { Db } from "../../drizzle/client.ts";
import {
  type Cluster,
  clusters,
  type Machine,
  machines,
  type NewCluster,
  type NewMachine,
  type NewNodePool,
  type NodePool,
  nodePools,
} from "../../drizzle/schema/index.ts";
import { MemoryCoordination } from "../../functions/lib/coordination/memory.ts";
import type { ServiceContext } from "../../functions/services/context.ts";
import { type Clock, systemClock } from "../../shared/clock.ts";
import { createMemoryLogger } from "../../shared/logger.ts";

let sequence = Math.floor(Math.random() * 1_000_000);
const next = () => ++sequence;

export function testContext(db: Db, overrides: Partial<ServiceContext> = {}): ServiceContext {
  const clock: Clock = overrides.clock ?? systemClock;
  return {
    db,
    clock,
    logger: createMemoryLogger(),
    coordination: new MemoryCoordination(clock),
    requestId: `req-${randomUUID()}`,
    actor: "system",
    ...overrides,
  };
}

export async function seedCluster(db: Db, values: Partial<NewCluster> = {}): Promise<Cluster> {
  const [row] = await db
    .insert(clusters)
    .values({ name: `cluster-${next()}`, status: "active", ...values })
    .returning();
  return row!;
}

export async function seedPool(
  db: Db,
  clusterId: string,
  values: Partial<NewNodePool> = {},
): Promise<NodePool> {
  const [row] = await db
    .insert(nodePools)
    .values({ clusterId, name: `pool-${next()}`, minSize: 0, maxSize: 100, ...values })
    .returning();
  return row!;
}

/** A unique private address per call (10.x.y.z over a 24-bit counter). */
export function uniqueIp(): string {
  const n = next() % 0xffffff;
  return `10.${(n >> 16) & 0xff}.${(n >> 8) & 0xff}.${n & 0xff}`;
}

export async function seedMachines(
  db: Db,
  count: number,
  values: Partial<NewMachine> = {},
): Promise<Machine[]> {
  if (count === 0) return [];
  const rows = Array.from({ length: count }, () => {
    const n = next();
    return { hostname: `host-${n}`, ip: uniqueIp(), cpuCores: 8, memoryBytes: 32 * 2 ** 30, ...values };
  });
  return db.insert(machines).values(rows).returning();
}

export async function seedMachine(db: Db, values: Partial<NewMachine> = {}): Promise<Machine> {
  const [row] = await seedMachines(db, 1, values);
  return row!;
}
