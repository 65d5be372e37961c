/**
 * Changes a duty shift: any of person, window and contacts (replaced whole).
 * The row is locked, the change merged into it and the merge checked whole
 * (a new endsAt must still come after the stored startsAt). The change and
 * its audit row (`duty_shift.update`) commit together.
 */
import { eq } from "drizzle-orm";
import { type Contact, dutyRoster } from "../../../drizzle/schema/index.ts";
import { recordAudit } from "../audit/record-audit.ts";
import type { ServiceCall } from "../context.ts";
import { withDbErrors } from "../db-errors.ts";
import { checkDutyShift, type DutyShiftView, findDutyShift, toDutyShiftView } from "./shift-view.ts";

export interface DutyShiftChanges {
  person?: string | undefined;
  startsAt?: Date | undefined;
  endsAt?: Date | undefined;
  contacts?: Contact[] | undefined;
}

export interface UpdateDutyShiftInput {
  id: string;
  changes: DutyShiftChanges;
}

export async function updateDutyShift({
  ctx,
  input,
}: ServiceCall<UpdateDutyShiftInput>): Promise<DutyShiftView> {
  const { changes } = input;
  const row = await withDbErrors(() =>
    ctx.db.transaction(async (tx) => {
      const current = await findDutyShift(tx, input.id, { lock: true });
      const merged = {
        person: changes.person ?? current.person,
        startsAt: changes.startsAt ?? current.startsAt,
        endsAt: changes.endsAt ?? current.endsAt,
        contacts: changes.contacts?.map(({ channel, address }) => ({ channel, address })) ?? current.contacts,
      };
      checkDutyShift(merged);
      const [updated] = await tx
        .update(dutyRoster)
        .set({ ...merged, updatedAt: ctx.clock.now() })
        .where(eq(dutyRoster.id, current.id))
        .returning();
      await recordAudit(tx, ctx, {
        action: "duty_shift.update",
        resourceType: "duty_shift",
        resourceId: current.id,
        changes: {
          ...(changes.person === undefined ? {} : { person: changes.person }),
          ...(changes.startsAt === undefined ? {} : { startsAt: changes.startsAt.toISOString() }),
          ...(changes.endsAt === undefined ? {} : { endsAt: changes.endsAt.toISOString() }),
          ...(changes.contacts === undefined ? {} : { contacts: changes.contacts.length }),
        },
      });
      return updated!;
    }),
  );
  return toDutyShiftView(row);
}
