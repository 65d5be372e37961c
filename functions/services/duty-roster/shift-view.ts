/**
 * What the API shows of a duty shift, and the reads and rules the duty-roster
 * services share. Shifts are fleet-wide, and their contacts are personal
 * data: only unscoped operators read or write them (the routes say so).
 */
import { eq } from "drizzle-orm";
import type { Db } from "../../../drizzle/client.ts";
import { type Contact, type DutyShift, dutyRoster } from "../../../drizzle/schema/index.ts";
import { AppError } from "../../lib/errors.ts";
import { isUuid } from "../machines/ids.ts";
import { checkChannelAddress } from "./contact.ts";

export const PERSON_MAX = 200;
export const MAX_CONTACTS = 10;

export interface DutyShiftView {
  id: string;
  person: string;
  startsAt: string;
  endsAt: string;
  contacts: Contact[];
  createdBy: string | null;
  createdAt: string;
  updatedAt: string;
}

export function toDutyShiftView(row: DutyShift): DutyShiftView {
  return {
    id: row.id,
    person: row.person,
    startsAt: row.startsAt.toISOString(),
    endsAt: row.endsAt.toISOString(),
    contacts: row.contacts,
    createdBy: row.createdBy,
    createdAt: row.createdAt.toISOString(),
    updatedAt: row.updatedAt.toISOString(),
  };
}

export function dutyShiftNotFound(id: string): AppError {
  return new AppError("not_found", `duty shift ${id} not found`, { shiftId: id });
}

export async function findDutyShift(
  db: Db,
  id: string,
  options: { lock?: boolean } = {},
): Promise<DutyShift> {
  if (!isUuid(id)) throw dutyShiftNotFound(id);
  const query = db.select().from(dutyRoster).where(eq(dutyRoster.id, id));
  const [row] = options.lock ? await query.for("update") : await query;
  if (!row) throw dutyShiftNotFound(id);
  return row;
}

export interface DutyShiftSettings {
  person: string;
  startsAt: Date;
  endsAt: Date;
  contacts: Contact[];
}

/** The whole would-be shift: a person, a window that ends after it starts, reachable contacts. */
export function checkDutyShift(s: DutyShiftSettings): void {
  if (typeof s.person !== "string" || s.person.trim() === "" || s.person.length > PERSON_MAX) {
    throw invalid("person", `must be 1 to ${PERSON_MAX} characters, not blank`);
  }
  for (const field of ["startsAt", "endsAt"] as const) {
    if (!(s[field] instanceof Date) || Number.isNaN(s[field].getTime()))
      throw invalid(field, "must be a date-time");
  }
  if (s.endsAt.getTime() <= s.startsAt.getTime()) {
    throw invalid("endsAt", `must be after startsAt (${s.startsAt.toISOString()})`);
  }
  if (!Array.isArray(s.contacts)) throw invalid("contacts", "must be an array");
  if (s.contacts.length > MAX_CONTACTS) throw invalid("contacts", `at most ${MAX_CONTACTS} contacts`);
  for (const [i, contact] of s.contacts.entries()) {
    checkChannelAddress(contact?.channel, contact?.address, `contacts[${i}]`);
  }
}

function invalid(path: string, why: string): AppError {
  return new AppError("validation_failed", `${path}: ${why}`, { path });
}
