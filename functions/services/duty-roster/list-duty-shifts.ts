/**
 * Lists duty shifts by start time (then id), keyset-paginated. `at`: the
 * shifts on duty at that instant (startsAt <= at < endsAt); `from`/`to`: the
 * shifts that overlap that window.
 */
import { and, asc, gt, lt, lte, type SQL, sql } from "drizzle-orm";
import { dutyRoster } from "../../../drizzle/schema/index.ts";
import { AppError } from "../../lib/errors.ts";
import type { ServiceCall } from "../context.ts";
import { microsText, positionFromCursor } from "../events/keyset.ts";
import { type CursorValues, type Page, toPage } from "../pagination.ts";
import { type DutyShiftView, toDutyShiftView } from "./shift-view.ts";

export interface ListDutyShiftsInput {
  limit: number;
  cursor?: string | undefined;
  /** on duty at this instant */
  at?: Date | undefined;
  /** overlapping [from, to) */
  from?: Date | undefined;
  to?: Date | undefined;
}

export async function listDutyShifts({
  ctx,
  input,
}: ServiceCall<ListDutyShiftsInput>): Promise<Page<DutyShiftView>> {
  if (input.from && input.to && input.to.getTime() <= input.from.getTime()) {
    throw new AppError("validation_failed", "to: must be after from", { path: "to" });
  }
  const r = dutyRoster;
  const conditions: (SQL | undefined)[] = [];
  if (input.at) conditions.push(lte(r.startsAt, input.at), gt(r.endsAt, input.at));
  if (input.from) conditions.push(gt(r.endsAt, input.from));
  if (input.to) conditions.push(lt(r.startsAt, input.to));
  if (input.cursor) {
    const { at, id } = positionFromCursor(input.cursor);
    conditions.push(sql`(${r.startsAt}, ${r.id}) > (${at}::timestamptz, ${id}::uuid)`);
  }
  const rows = await ctx.db
    .select({ shift: r, at: microsText(r.startsAt) })
    .from(r)
    .where(and(...conditions))
    .orderBy(asc(r.startsAt), asc(r.id))
    .limit(input.limit + 1);
  return toPage(
    rows,
    input.limit,
    (row): CursorValues => ({ at: row.at, id: row.shift.id }),
    (row) => toDutyShiftView(row.shift),
  );
}
