/**
 * Per-unit-of-work resources: the database is leased lazily (so /healthz and
 * other handlers that never query touch nothing) and given back exactly once
 * when the request or job is done.
 */
import type { Database } from "../../drizzle/client.ts";
import type { Logger } from "../../shared/logger.ts";
import type { AuditOrigin } from "../services/audit/audit-entry.ts";
import type { ServiceContext } from "../services/context.ts";
import type { AppDeps, DatabaseLease } from "./types.ts";

export class RequestScope {
  readonly logger: Logger;
  #lease: Promise<DatabaseLease> | undefined;

  constructor(
    readonly deps: AppDeps,
    readonly requestId: string,
  ) {
    this.logger = deps.logger.child({ requestId });
  }

  database(): Promise<Database> {
    this.#lease ??= this.deps.databases.acquire();
    return this.#lease.then((lease) => lease.database);
  }

  /**
   * `audit`: where the request came from and its write-ahead audit row, for
   * the audit rows the services write in their transactions.
   */
  async serviceContext(actor: string, audit?: AuditOrigin): Promise<ServiceContext> {
    const { db } = await this.database();
    const { clock, coordination } = this.deps;
    const ctx: ServiceContext = {
      db,
      clock,
      coordination,
      logger: this.logger,
      requestId: this.requestId,
      actor,
    };
    if (audit) ctx.audit = audit;
    if (this.deps.encryption) ctx.encryption = this.deps.encryption;
    return ctx;
  }

  /** Releases the leased database, if any; never throws (a failed close is only logged). */
  async dispose(): Promise<void> {
    const pending = this.#lease;
    this.#lease = undefined;
    if (!pending) return;
    try {
      await (await pending).release();
    } catch (err) {
      // A lease that failed to open, or a close that failed, has nothing left to release.
      this.logger.debug("database lease release failed", { error: err });
    }
  }
}
