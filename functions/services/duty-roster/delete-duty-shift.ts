/** Deletes a duty shift; unknown ids are not found. The deletion and its audit row commit together. */
import { eq } from "drizzle-orm";
import { dutyRoster } from "../../../drizzle/schema/index.ts";
import { recordAudit } from "../audit/record-audit.ts";
import type { ServiceCall } from "../context.ts";
import { isUuid } from "../machines/ids.ts";
import { type DutyShiftView, dutyShiftNotFound, toDutyShiftView } from "./shift-view.ts";

export async function deleteDutyShift({ ctx, input }: ServiceCall<{ id: string }>): Promise<DutyShiftView> {
  if (!isUuid(input.id)) throw dutyShiftNotFound(input.id);
  const row = await ctx.db.transaction(async (tx) => {
    const [deleted] = await tx.delete(dutyRoster).where(eq(dutyRoster.id, input.id)).returning();
    if (!deleted) throw dutyShiftNotFound(input.id);
    await recordAudit(tx, ctx, {
      action: "duty_shift.delete",
      resourceType: "duty_shift",
      resourceId: deleted.id,
      changes: { person: deleted.person },
    });
    return deleted;
  });
  return toDutyShiftView(row);
}
