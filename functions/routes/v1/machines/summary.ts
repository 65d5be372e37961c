import { createRoute, z } from "@hono/zod-openapi";
import { MACHINE_STATES, type MachineState } from "../../../../proto/machine-states.ts";
import { defineRoute } from "../../../http/define-route.ts";
import { BEARER_SCHEME, errorResponses } from "../../../http/openapi.ts";
import { machineSummary } from "../../../services/machines/machine-summary.ts";

const Count = z.number().int().min(0);

// an object with every state required (not a record, whose keys OpenAPI leaves optional)
const ByStatus = z
  .object(Object.fromEntries(MACHINE_STATES.map((s) => [s, Count])) as Record<MachineState, typeof Count>)
  .openapi("MachineStatusCounts", {
    description: "machines per status; every status is present, zeros included",
    example: Object.fromEntries(
      MACHINE_STATES.map((s) => [s, s === "ready" ? 12 : s === "available" ? 3 : 0]),
    ),
  });

const Tally = { total: Count.openapi({ description: "the sum of byStatus" }), byStatus: ByStatus };

const MachineSummarySchema = z
  .object({
    ...Tally,
    free: z.object(Tally).openapi({
      description:
        "the free inventory (machines in no cluster, archived ones among them); " +
        "all zeros for a cluster-scoped token, which never sees it",
    }),
    clusters: z
      .array(
        z.object({
          clusterId: z.uuid(),
          clusterName: z.string(),
          ...Tally,
        }),
      )
      .openapi({
        description: "every cluster the token sees, by name, including those without machines",
      }),
  })
  .openapi("MachineSummary");

const route = createRoute({
  method: "get",
  path: "/v1/machines/summary",
  operationId: "getMachineSummary",
  tags: ["machines"],
  summary: "Machines by status: in all, in the free inventory and per cluster (viewer)",
  description:
    "One grouped query, so one consistent snapshot: total = free.total + the clusters' totals, and a " +
    "machine assigned or released meanwhile is counted exactly once. Counts what GET /v1/machines lists " +
    "without filters: every status, archived included (archived machines are in the free inventory). " +
    "A cluster-scoped token sees only its cluster's machines, never the free inventory. (A machine whose " +
    'host name is "summary" is read as GET /v1/machines/{its id}.)',
  security: [{ [BEARER_SCHEME]: [] }],
  responses: {
    200: {
      description: "The counts",
      content: { "application/json": { schema: MachineSummarySchema } },
    },
    ...errorResponses("unauthorized", "forbidden"),
  },
});

export const registerMachineSummary = defineRoute({
  route,
  access: "viewer",
  run: async (c, { ctx, principal }) => {
    const summary = await machineSummary({ ctx, input: { scopeClusterId: principal.clusterId } });
    return c.json(summary, 200);
  },
});
