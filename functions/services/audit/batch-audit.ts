/**
 * One audit row for an agent batch (transitions, host keys) whose items
 * commit one by one, each in its own transaction. Every item that changes
 * something writes the row, with the summary so far, inside its own
 * transaction, so no change commits without its audit row (fail closed: if
 * the row cannot be written, the item rolls back and fails). `finish` writes
 * the final summary, which also counts the items that changed nothing; a
 * batch that changed nothing is recorded by it alone.
 *
 * The row is the request's write-ahead intent row, or, for a call without one
 * (a direct service call), a row of the batch's own. Either way its id is
 * known before the first item runs, so each write is an upsert by id and an
 * item that rolls back leaves nothing to undo.
 */
import type { Db } from "../../../drizzle/client.ts";
import type { ServiceContext } from "../context.ts";
import type { AuditEntry } from "./audit-entry.ts";
import { auditUnavailable, upsertAuditRow } from "./record-audit.ts";

export class BatchAudit {
  readonly #id: string;

  constructor(
    private readonly ctx: ServiceContext,
    private readonly entry: Omit<AuditEntry, "changes">,
  ) {
    this.#id = ctx.audit?.intentId ?? crypto.randomUUID();
  }

  /** Inside the transaction of an item that changed something: the summary including that item. */
  async record(tx: Db, changes: Record<string, unknown>): Promise<void> {
    try {
      await upsertAuditRow(tx, this.ctx, this.#id, { ...this.entry, changes });
    } catch (err) {
      throw auditUnavailable(this.entry, err);
    }
  }

  /**
   * After the last item. The changes are committed by then, each with the row
   * as it stood, so a failure here is logged and the answer stands.
   */
  async finish(changes: Record<string, unknown>): Promise<void> {
    await upsertAuditRow(this.ctx.db, this.ctx, this.#id, { ...this.entry, changes }).catch((err: unknown) =>
      this.ctx.logger.error("batch audit summary not written", {
        error: err,
        auditId: this.#id,
        action: this.entry.action,
      }),
    );
  }
}
