/**
 * Deletes a pool, refused (409, with counts by status) while any machine that
 * is not archived is still assigned to it: those must be released first.
 * Archived machines keep their history but let go of the pool (through the
 * guarded placement writer, one `machine.released` event each), so the
 * foreign key does not pin a pool forever to retired hardware.
 *
 * The pool row is locked first, so a reservation (which locks the pool too)
 * cannot add a machine between the count and the delete.
 */
import { and, count, eq, ne } from "drizzle-orm";
import { machines, nodePools } from "../../../drizzle/schema/index.ts";
import type { MachineState } from "../../../proto/machine-states.ts";
import { AppError } from "../../lib/errors.ts";
import type { ServiceCall } from "../context.ts";
import { mapDbError } from "../db-errors.ts";
import { MACHINE_RELEASED_EVENT, PLACEMENT_READ, writePlacements } from "../machines/placement-write.ts";
import { poolAudit } from "./pool-audit.ts";
import { findPool } from "./pool-view.ts";
import { writePool } from "./pool-write.ts";

export const POOL_DELETED_EVENT = "pool.deleted";
export const POOL_DELETED_REASON = "pool deleted";

export interface DeletePoolInput {
  clusterId: string;
  poolId: string;
}

export interface DeletedPool {
  clusterId: string;
  poolId: string;
  name: string;
  deletedAt: string;
  /** archived machines that no longer point at the pool */
  detachedArchivedMachines: number;
}

export async function deletePool({ ctx, input }: ServiceCall<DeletePoolInput>): Promise<DeletedPool> {
  const { clusterId, poolId } = input;
  try {
    return await writePool(ctx, clusterId, async (tx, write) => {
      const pool = await findPool(tx, clusterId, poolId, { lock: true });
      const assigned = await tx
        .select({ status: machines.status, n: count() })
        .from(machines)
        .where(and(eq(machines.poolId, poolId), ne(machines.status, "archived")))
        .groupBy(machines.status);
      if (assigned.length > 0) throw stillAssigned(pool.name, poolId, assigned);

      const now = ctx.clock.now();
      const archived = await tx
        .select(PLACEMENT_READ)
        .from(machines)
        .where(and(eq(machines.poolId, poolId), eq(machines.status, "archived")))
        .for("update");
      const detached = await writePlacements(
        tx,
        ctx,
        write,
        archived.map((m) => ({
          read: m,
          to: { clusterId: m.clusterId, poolId: null },
          kind: MACHINE_RELEASED_EVENT,
          reason: POOL_DELETED_REASON,
          metadata: { formerPoolId: poolId },
        })),
      );
      await tx.delete(nodePools).where(eq(nodePools.id, poolId));
      const result: DeletedPool = {
        clusterId,
        poolId,
        name: pool.name,
        deletedAt: now.toISOString(),
        detachedArchivedMachines: detached.length,
      };
      return {
        result,
        event: {
          kind: POOL_DELETED_EVENT,
          poolId: null,
          metadata: { poolId, name: pool.name, detachedArchivedMachines: detached.length },
        },
        audit: poolAudit("pool.delete", clusterId, poolId, {
          name: pool.name,
          detachedArchivedMachines: detached.length,
        }),
      };
    });
  } catch (err) {
    // a machine assigned by a writer that does not lock the pool: the foreign key still refuses
    throw mapDbError(err) ?? err;
  }
}

function stillAssigned(name: string, poolId: string, rows: { status: MachineState; n: number }[]): AppError {
  const byStatus = Object.fromEntries(rows.map((r) => [r.status, r.n]));
  const total = rows.reduce((sum, r) => sum + r.n, 0);
  return new AppError(
    "conflict",
    `pool ${name} still has ${total} machine(s) assigned; release them before deleting the pool`,
    { poolId, assigned: total, assignedByStatus: byStatus },
  );
}
