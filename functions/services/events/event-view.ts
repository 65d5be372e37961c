/** How an event / operation row is shown by the API and in exports. */
import type { Operation, OperationStatus } from "../../../drizzle/schema/operations.ts";

export interface EventView {
  id: string;
  /** dotted type, e.g. "machine.transition", "cluster.offline" */
  kind: string;
  status: OperationStatus;
  requestId: string | null;
  clusterId: string | null;
  poolId: string | null;
  machineId: string | null;
  delta: number | null;
  error: string | null;
  metadata: Record<string, unknown>;
  startedAt: string;
  endedAt: string | null;
  createdAt: string;
}

export function toEventView(row: Operation): EventView {
  return {
    id: row.id,
    kind: row.kind,
    status: row.status,
    requestId: row.requestId,
    clusterId: row.clusterId,
    poolId: row.poolId,
    machineId: row.machineId,
    delta: row.delta,
    error: row.error,
    metadata: row.metadata,
    startedAt: row.startedAt.toISOString(),
    endedAt: row.endedAt?.toISOString() ?? null,
    createdAt: row.createdAt.toISOString(),
  };
}
