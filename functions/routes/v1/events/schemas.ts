/** Schemas shared by the /v1 events routes (and the time filters reused by /v1/audit). */
import { z } from "@hono/zod-openapi";
import { OPERATION_STATUSES } from "../../../../drizzle/schema/operations.ts";
import { ClusterRefSchema, MachineRefSchema, PoolRefSchema } from "../../../http/params.ts";
import { EXPORT_DEFAULT_ROWS, EXPORT_MAX_ROWS } from "../../../services/events/ndjson-export.ts";

export const TimestampQuery = z.iso
  .datetime({ offset: true, message: "must be an ISO 8601 timestamp, e.g. 2026-01-31T12:00:00Z" })
  .max(40);

export const TimeRangeQuery = z.object({
  since: TimestampQuery.optional().openapi({ description: "only rows at or after this time" }),
  until: TimestampQuery.optional().openapi({ description: "only rows before this time" }),
});

export const ExportLimitQuery = z.object({
  limit: z.coerce
    .number()
    .int()
    .min(1)
    .max(EXPORT_MAX_ROWS)
    .default(EXPORT_DEFAULT_ROWS)
    .openapi({ description: `rows at most, 1 to ${EXPORT_MAX_ROWS} (default ${EXPORT_DEFAULT_ROWS})` }),
});

export const EventFilterQuery = TimeRangeQuery.extend({
  clusterId: ClusterRefSchema.optional(),
  poolId: PoolRefSchema.optional(),
  machineId: MachineRefSchema.optional(),
  kind: z.string().min(1).max(100).optional().openapi({
    description: 'event type: exact ("machine.transition") or a prefix ending in "." ("machine.")',
  }),
  status: z.enum(OPERATION_STATUSES).optional(),
});

export const EventSchema = z
  .object({
    id: z.string(),
    kind: z.string().openapi({ description: 'dotted type, e.g. "machine.transition"' }),
    status: z.enum(OPERATION_STATUSES),
    requestId: z.string().nullable(),
    clusterId: z.string().nullable(),
    poolId: z.string().nullable(),
    machineId: z.string().nullable(),
    delta: z.number().nullable(),
    error: z.string().nullable(),
    metadata: z.record(z.string(), z.unknown()),
    startedAt: z.string(),
    endedAt: z.string().nullable(),
    createdAt: z.string(),
  })
  .openapi("Event");

export const NDJSON_RESPONSE_SCHEMA = z.string().openapi({
  description: "one JSON object per line (application/x-ndjson), newest first",
});

/** ISO query strings to Dates for the services. */
export function timeRange(q: { since?: string | undefined; until?: string | undefined }) {
  return {
    since: q.since === undefined ? undefined : new Date(q.since),
    until: q.until === undefined ? undefined : new Date(q.until),
  };
}
