/** One page of audit rows, newest first, with the filters of AuditFilters. */
import type { ServiceCall } from "../context.ts";
import { positionFromCursor } from "../events/keyset.ts";
import { type Page, toPage } from "../pagination.ts";
import { type AuditFilters, fetchAudit, positionOfAudit } from "./audit-source.ts";
import { type AuditView, toAuditView } from "./audit-view.ts";

export interface ListAuditInput extends AuditFilters {
  limit: number;
  cursor?: string | undefined;
}

export async function listAudit({ ctx, input }: ServiceCall<ListAuditInput>): Promise<Page<AuditView>> {
  const after = input.cursor ? positionFromCursor(input.cursor) : null;
  const rows = await fetchAudit(ctx.db, input, after, input.limit + 1);
  return toPage(
    rows,
    input.limit,
    (r) => ({ ...positionOfAudit(r) }),
    (r) => toAuditView(r.row),
  );
}
