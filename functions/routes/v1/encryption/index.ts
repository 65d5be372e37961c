import type { App } from "../../../http/hono-env.ts";
import { registerRotateEncryption } from "./rotate.ts";
import { registerEncryptionStatus } from "./status.ts";

/** Registers every /v1/encryption route (one route per file in this folder). */
export function registerEncryptionRoutes(app: App): void {
  registerEncryptionStatus(app);
  registerRotateEncryption(app);
}
