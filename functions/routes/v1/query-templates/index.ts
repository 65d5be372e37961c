import type { App } from "../../../http/hono-env.ts";
import { registerCreateQueryTemplate } from "./create.ts";
import { registerDeleteQueryTemplate } from "./delete.ts";
import { registerGetQueryTemplate } from "./get.ts";
import { registerListQueryTemplates } from "./list.ts";
import { registerUpdateQueryTemplate } from "./update.ts";

/** Registers every /v1/query-templates route (one route per file in this folder). */
export function registerQueryTemplateRoutes(app: App): void {
  registerCreateQueryTemplate(app);
  registerListQueryTemplates(app);
  registerGetQueryTemplate(app);
  registerUpdateQueryTemplate(app);
  registerDeleteQueryTemplate(app);
}
