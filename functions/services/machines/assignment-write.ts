/**
 * The one write behind assign, unassign and move: a guarded UPDATE of the
 * machine's cluster and pool. The guard repeats what the caller checked (the
 * machine is still available, still where it was, still at the version read),
 * so of racing writers exactly one changes the row and the others are told
 * why they lost (the version pins the identity scope too: every identity
 * write bumps it). A machine leaving for the free inventory records the
 * cluster it left (`originClusterId`). The event row and the state version bump of every cluster
 * touched share the transaction; the versions are published after commit.
 */
import { and, eq, isNull, type SQL, sql } from "drizzle-orm";
import type { Db } from "../../../drizzle/client.ts";
import { type Machine, machines } from "../../../drizzle/schema/index.ts";
import { AppError } from "../../lib/errors.ts";
import { bumpStateVersions, publishStateVersions } from "../clusters/state-version.ts";
import type { ServiceContext } from "../context.ts";
import { recordMachineEvent } from "./machine-lookup.ts";

export interface AssignmentWrite {
  /** the machine as the caller read it: the guard pins its status, place and version */
  read: Machine;
  to: { clusterId: string | null; poolId: string | null };
  /** event kind, e.g. "machine.assign" */
  kind: string;
  /** checks that must hold inside the transaction, before the write (e.g. the target pool fits) */
  verify?: (tx: Db) => Promise<void>;
}

const placeGuard = (column: typeof machines.clusterId | typeof machines.poolId, value: string | null) =>
  value === null ? isNull(column) : eq(column, value);

export async function writeAssignment(ctx: ServiceContext, write: AssignmentWrite): Promise<Machine> {
  const { read, to } = write;
  let versions = new Map<string, number>();
  const row = await ctx.db.transaction(async (tx) => {
    await write.verify?.(tx);
    const guards: SQL[] = [
      eq(machines.id, read.id),
      eq(machines.status, read.status),
      placeGuard(machines.clusterId, read.clusterId),
      placeGuard(machines.poolId, read.poolId),
      eq(machines.version, read.version),
    ];
    const [updated] = await tx
      .update(machines)
      .set({
        ...to,
        ...(to.clusterId === null && read.clusterId !== null ? { originClusterId: read.clusterId } : {}),
        updatedAt: ctx.clock.now(),
        version: sql`${machines.version} + 1`,
      })
      .where(and(...guards))
      .returning();
    if (!updated) throw lostRace(read);
    const metadata = {
      from: { clusterId: read.clusterId, poolId: read.poolId },
      to: { clusterId: to.clusterId, poolId: to.poolId },
    };
    // each cluster's history shows the machine arriving or leaving
    for (const place of placesOf(read, to)) {
      await recordMachineEvent(tx, ctx, { kind: write.kind, machine: updated, metadata, place });
    }
    versions = await bumpStateVersions(tx, [read.clusterId, to.clusterId]);
    return updated;
  });
  await publishStateVersions(ctx, versions);
  return row;
}

type Place = { clusterId: string | null; poolId: string | null };

/** Where the event is recorded: the target, and the source too when it is another cluster. */
function placesOf(from: Place, to: Place): Place[] {
  if (to.clusterId === null) return [from];
  if (from.clusterId === null || from.clusterId === to.clusterId) return [to];
  return [to, from];
}

function lostRace(read: Machine): AppError {
  return new AppError(
    "stale_version",
    `machine ${read.id} changed meanwhile (read at version ${read.version}); read it again and retry`,
    { machineId: read.id, expectedVersion: read.version },
  );
}
