/** One duty shift by id; unknown (or malformed) ids are not found. */
import type { ServiceCall } from "../context.ts";
import { type DutyShiftView, findDutyShift, toDutyShiftView } from "./shift-view.ts";

export async function getDutyShift({ ctx, input }: ServiceCall<{ id: string }>): Promise<DutyShiftView> {
  return toDutyShiftView(await findDutyShift(ctx.db, input.id));
}
