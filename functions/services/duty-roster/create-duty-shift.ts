/**
 * Puts a person on duty from `startsAt` to `endsAt` (which must come later),
 * with the contacts notifications reach them through. The shift and its
 * audit row (`duty_shift.create`) commit together. Shifts may overlap: two
 * people on duty at once are both notified.
 */
import { type Contact, dutyRoster } from "../../../drizzle/schema/index.ts";
import { recordAudit } from "../audit/record-audit.ts";
import type { ServiceCall } from "../context.ts";
import { withDbErrors } from "../db-errors.ts";
import { checkDutyShift, type DutyShiftView, toDutyShiftView } from "./shift-view.ts";

export interface CreateDutyShiftInput {
  person: string;
  startsAt: Date;
  endsAt: Date;
  contacts?: Contact[] | undefined;
}

export async function createDutyShift({
  ctx,
  input,
}: ServiceCall<CreateDutyShiftInput>): Promise<DutyShiftView> {
  const shift = {
    ...input,
    contacts: (input.contacts ?? []).map(({ channel, address }) => ({ channel, address })),
  };
  checkDutyShift(shift);
  const now = ctx.clock.now();
  const row = await withDbErrors(() =>
    ctx.db.transaction(async (tx) => {
      const [inserted] = await tx
        .insert(dutyRoster)
        .values({ ...shift, createdBy: ctx.actor, createdAt: now, updatedAt: now })
        .returning();
      await recordAudit(tx, ctx, {
        action: "duty_shift.create",
        resourceType: "duty_shift",
        resourceId: inserted!.id,
        changes: {
          person: shift.person,
          startsAt: shift.startsAt.toISOString(),
          endsAt: shift.endsAt.toISOString(),
          contacts: shift.contacts.length,
        },
      });
      return inserted!;
    }),
  );
  return toDutyShiftView(row);
}
