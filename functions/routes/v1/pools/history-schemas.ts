/** Query and response schemas of GET /v1/clusters/{clusterId}/pools/{poolId}/history. */
import { z } from "@hono/zod-openapi";
import { MACHINE_STATES } from "../../../../proto/machine-states.ts";
import {
  BUCKET_LADDER_SECONDS,
  MAX_HISTORY_POINTS,
  MAX_HISTORY_WINDOW_MS,
} from "../../../services/pools/history-window.ts";
import { TimestampQuery } from "../events/schemas.ts";

const MAX_DAYS = MAX_HISTORY_WINDOW_MS / 86_400_000;

export const PoolHistoryQuery = z.object({
  since: TimestampQuery.optional().openapi({
    description: "start of the window, inclusive (default: 24 hours before until)",
    example: "2026-01-30T12:00:00Z",
  }),
  until: TimestampQuery.optional().openapi({
    description: `end of the window, exclusive (default: now); at most ${MAX_DAYS} days after since`,
    example: "2026-01-31T12:00:00Z",
  }),
});

const BucketStart = z.string().openapi({
  description: "start of the bucket (UTC, aligned to a multiple of bucketSeconds since the Unix epoch)",
  example: "2026-01-31T11:55:00.000Z",
});

const Ratio = z.number().nullable().openapi({
  description: "requested / allocatable over the bucket's snapshots; null when nothing was allocatable",
  example: 0.62,
});

export const PoolHistorySchema = z
  .object({
    clusterId: z.uuid(),
    poolId: z.uuid(),
    since: z.string().openapi({ description: "the window's start as applied, inclusive" }),
    until: z.string().openapi({ description: "the window's end as applied, exclusive" }),
    bucketSeconds: z
      .number()
      .int()
      .openapi({
        description:
          `the bucket size: the smallest of ${BUCKET_LADDER_SECONDS.join(", ")} seconds that keeps ` +
          `each series within ${MAX_HISTORY_POINTS} points`,
        example: 300,
      }),
    samples: z
      .array(
        z.object({
          at: BucketStart,
          counts: z.record(z.enum(MACHINE_STATES), z.number().int()).openapi({
            description: "the pool's machines per state at the bucket's last sample; every state",
          }),
        }),
      )
      .openapi({
        description: "machines by state over time, oldest first; buckets without a sample are left out",
      }),
    utilisation: z.array(z.object({ at: BucketStart, cpu: Ratio, memory: Ratio })).openapi({
      description:
        "requested / allocatable from the agent's resource snapshots, oldest first; buckets without a snapshot are left out",
    }),
  })
  .openapi("PoolHistory");
