import { createRoute } from "@hono/zod-openapi";
import { defineRoute } from "../../../http/define-route.ts";
import { BEARER_SCHEME, errorResponses } from "../../../http/openapi.ts";
import { pageOf } from "../../../http/pagination.ts";
import { listMachines } from "../../../services/machines/list-machines.ts";
import { ListMachinesQuery, statusesOf } from "./request-schemas.ts";
import { MachineSchema, presentMachine } from "./schemas.ts";

const route = createRoute({
  method: "get",
  path: "/v1/machines",
  operationId: "listMachines",
  tags: ["machines"],
  summary: "List machines; filters combine (viewer)",
  description:
    "A cluster-scoped token sees only its cluster's machines, never the free inventory. " +
    "clusterId and poolId take names too; an ambiguous pool name is a 409 listing the candidates.",
  security: [{ [BEARER_SCHEME]: [] }],
  request: { query: ListMachinesQuery },
  responses: {
    200: {
      description: "A page of machines, oldest first",
      content: { "application/json": { schema: pageOf(MachineSchema, "MachinePage") } },
    },
    ...errorResponses("validation_failed", "unauthorized", "forbidden", "not_found", "conflict"),
  },
});

export const registerListMachines = defineRoute({
  route,
  access: "viewer",
  run: async (c, { ctx, principal }) => {
    const { status, unassigned, ...query } = c.req.valid("query");
    const page = await listMachines({
      ctx,
      input: {
        ...query,
        statuses: statusesOf(status),
        unassigned: unassigned === undefined ? undefined : unassigned === "true",
        scopeClusterId: principal.clusterId,
      },
    });
    return c.json({ items: page.items.map(presentMachine), nextCursor: page.nextCursor }, 200);
  },
});
