/**
 * The /v1 API: authentication, rate limiting, body size and audit for every
 * route under it, then each area's routes. Authentication and rate limits
 * come first so that no body is read (or buffered) for a caller who is
 * refused. Two kinds of path are open (no bearer): agent registration
 * carries a one-time registration token in its body, and is limited per
 * client address here and per cluster in its handler; inbound hooks carry a
 * signature over their body, checked before it is parsed.
 */
import type { MiddlewareHandler } from "hono";
import type { App } from "../../http/hono-env.ts";
import { audit } from "../../middleware/audit.ts";
import { authenticate } from "../../middleware/authenticate.ts";
import { idleAgentPoll } from "../../middleware/idle-agent-poll.ts";
import { rateLimit, registrationLimitByAddress } from "../../middleware/rate-limit.ts";
import { workChanged } from "../../middleware/work-changed.ts";
import { registerAgentRoutes } from "./agent/index.ts";
import { registerAuditRoutes } from "./audit/index.ts";
import { registerClusterRoutes } from "./clusters/index.ts";
import { registerDeadLetterRoutes } from "./dead-letters/index.ts";
import { registerDeviceQueryRoutes } from "./device-query/index.ts";
import { registerDutyRosterRoutes } from "./duty-roster/index.ts";
import { registerEncryptionRoutes } from "./encryption/index.ts";
import { registerEventRoutes } from "./events/index.ts";
import { registerHookRoutes } from "./hooks/index.ts";
import { MAINTENANCE_COMPLETE_HOOK_PATH } from "./hooks/maintenance-complete.ts";
import { registerMachineImportRoutes } from "./machine-imports/index.ts";
import { registerMachineRoutes } from "./machines/index.ts";
import { registerMaintenanceRequestRoutes } from "./maintenance-requests/index.ts";
import { registerMatchingPolicyRoutes } from "./matching-policies/index.ts";
import { registerNotificationRoutes } from "./notifications/index.ts";
import { registerOrderRoutes } from "./orders/index.ts";
import { registerPoolRoutes } from "./pools/index.ts";
import { registerQueryTemplateRoutes } from "./query-templates/index.ts";
import { registerSshKeyRoutes } from "./ssh-keys/index.ts";
import { registerStrategyRoutes } from "./strategies/index.ts";
import { registerSubscriptionRoutes } from "./subscriptions/index.ts";
import { registerTokenRoutes } from "./tokens/index.ts";

export const AGENT_REGISTER_PATH = "/v1/agent/register";
export const RATE_LIMIT_WINDOW_MS = 60_000;

export function registerV1(app: App, opts: { limitPerMinute: number; bodyLimit: MiddlewareHandler }): void {
  // an unchanged agent poll: one coordination round trip, no Postgres (idle-agent-poll.ts)
  app.use("/v1/*", idleAgentPoll({ limitPerMinute: opts.limitPerMinute, windowMs: RATE_LIMIT_WINDOW_MS }));
  app.use("/v1/*", workChanged());
  // inbound hooks carry a signature instead of a bearer (hooks/signature.ts)
  app.use("/v1/*", authenticate({ open: [AGENT_REGISTER_PATH, MAINTENANCE_COMPLETE_HOOK_PATH] }));
  app.use("/v1/*", rateLimit({ limit: opts.limitPerMinute, windowMs: RATE_LIMIT_WINDOW_MS }));
  app.use("/v1/*", registrationLimitByAddress(AGENT_REGISTER_PATH));
  app.use("/v1/*", opts.bodyLimit);
  app.use("/v1/*", audit());

  registerTokenRoutes(app);
  registerClusterRoutes(app);
  registerPoolRoutes(app);
  registerMachineRoutes(app);
  registerMachineImportRoutes(app);
  registerQueryTemplateRoutes(app);
  registerDeviceQueryRoutes(app);
  registerMatchingPolicyRoutes(app);
  registerStrategyRoutes(app);
  registerDutyRosterRoutes(app);
  registerSubscriptionRoutes(app);
  registerNotificationRoutes(app);
  registerEventRoutes(app);
  registerAuditRoutes(app);
  registerSshKeyRoutes(app);
  registerEncryptionRoutes(app);
  registerDeadLetterRoutes(app);
  registerOrderRoutes(app);
  registerMaintenanceRequestRoutes(app);
  registerAgentRoutes(app);
  registerHookRoutes(app);
}
