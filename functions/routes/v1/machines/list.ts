import { createRoute } from "@hono/zod-openapi";
import type { App } from "../../../http/hono-env.ts";
import { BEARER_SCHEME, errorResponses } from "../../../http/openapi.ts";
import { pageOf } from "../../../http/pagination.ts";
import { clusterScopeOf, requireRole } from "../../../services/auth/principal.ts";
import { listMachines } from "../../../services/machines/list-machines.ts";
import { ListMachinesQuery, statusesOf } from "./request-schemas.ts";
import { MachineSchema, presentMachine } from "./schemas.ts";

const route = createRoute({
  method: "get",
  path: "/v1/machines",
  tags: ["machines"],
  summary: "List machines; filters combine (viewer)",
  description: "A cluster-scoped token sees only its cluster's machines, never the free inventory.",
  security: [{ [BEARER_SCHEME]: [] }],
  request: { query: ListMachinesQuery },
  responses: {
    200: {
      description: "A page of machines, oldest first",
      content: { "application/json": { schema: pageOf(MachineSchema, "MachinePage") } },
    },
    ...errorResponses("validation_failed", "unauthorized", "forbidden"),
  },
});

export function registerListMachines(app: App): void {
  app.openapi(route, async (c) => {
    const principal = requireRole(c.get("principal"), "viewer");
    const { status, unassigned, ...query } = c.req.valid("query");
    const ctx = await c.get("scope").serviceContext(principal.actor);
    const page = await listMachines({
      ctx,
      input: {
        ...query,
        statuses: statusesOf(status),
        unassigned: unassigned === undefined ? undefined : unassigned === "true",
        scopeClusterId: clusterScopeOf(principal),
      },
    });
    return c.json({ items: page.items.map(presentMachine), nextCursor: page.nextCursor }, 200);
  });
}
