/**
 * The route pattern a request was served by, for labels and logs: the path
 * as registered (`/v1/machines/:machineId`) in the OpenAPI document's
 * spelling (`/v1/machines/{machineId}`). A raw path would make a series per
 * machine id; the patterns are a fixed set.
 */
import type { Context } from "hono";
import { matchedRoutes } from "hono/route";

/** No handler matched: 404, 405, or a request refused by middleware before routing mattered. */
export const UNMATCHED_ROUTE = "unmatched";

export function matchedRoutePattern(c: Context): string {
  // Middleware (app.use) is registered for every method ("ALL"); a handler has its own method.
  const handler = matchedRoutes(c).findLast((r) => r.method !== "ALL");
  if (!handler) return UNMATCHED_ROUTE;
  return handler.path.replace(/:([A-Za-z0-9_]+)(\{[^}]*\})?/g, "{$1}");
}
