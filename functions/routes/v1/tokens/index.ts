import type { App } from "../../../http/hono-env.ts";
import { registerCreateToken } from "./create.ts";
import { registerListTokens } from "./list.ts";
import { registerRevokeToken } from "./revoke.ts";
import { registerTokenSelf } from "./self.ts";

/** Registers every /v1 tokens route (one route per file in this folder). */
export function registerTokenRoutes(app: App): void {
  // before any /v1/tokens/{tokenId} route, so "self" is never read as an id
  registerTokenSelf(app);
  registerCreateToken(app);
  registerListTokens(app);
  registerRevokeToken(app);
}
