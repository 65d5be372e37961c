import type { App } from "../../../http/hono-env.ts";
import { registerCreateSshKey } from "./create.ts";
import { registerDeleteSshKey } from "./delete.ts";
import { registerGetSshKey } from "./get.ts";
import { registerListSshKeys } from "./list.ts";
import { registerRotateSshKey } from "./rotate.ts";
import { registerUpdateSshKey } from "./update.ts";

/** Registers every /v1/ssh-keys route (one route per file in this folder). */
export function registerSshKeyRoutes(app: App): void {
  registerCreateSshKey(app);
  registerListSshKeys(app);
  registerGetSshKey(app);
  registerUpdateSshKey(app);
  registerRotateSshKey(app);
  registerDeleteSshKey(app);
}
