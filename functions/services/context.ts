import type { Db } from "../../drizzle/client.ts";
import type { Clock } from "../../shared/clock.ts";
import type { Logger } from "../../shared/logger.ts";
import type { Coordination } from "../lib/coordination/types.ts";
import type { Keyring } from "../lib/crypto/keyring.ts";
import type { AuditOrigin } from "./audit/audit-entry.ts";

/**
 * What every service receives besides its input. Built once per request (or
 * per job run) by the transport; services never see Hono or the raw request.
 */
export interface ServiceContext {
  db: Db;
  clock: Clock;
  logger: Logger;
  coordination: Coordination;
  /** correlates logs, events and audit rows with the request that caused them */
  requestId: string;
  /** who acts: "token:<id>", "agent:<cluster-id>", "system" */
  actor: string;
  /** where the change came from, for the audit rows the service writes (absent: a job) */
  audit?: AuditOrigin;
  /** seals secrets at rest; absent when no key is configured (services/secrets.ts refuses then) */
  encryption?: Keyring;
}

export interface ServiceCall<I> {
  ctx: ServiceContext;
  input: I;
}
