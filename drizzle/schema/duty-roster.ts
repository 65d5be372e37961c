import { sql } from "drizzle-orm";
import { check, index, jsonb, pgTable, text, uuid } from "drizzle-orm/pg-core";
import { createdAt, tstz, updatedAt } from "./columns.ts";

export const CONTACT_CHANNELS = ["email", "webhook"] as const;
export type ContactChannel = (typeof CONTACT_CHANNELS)[number];

export interface Contact {
  channel: ContactChannel;
  /** an email address or an http(s) URL */
  address: string;
}

/** Who is on duty from when to when, and how to reach them. */
export const dutyRoster = pgTable(
  "duty_roster",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    person: text("person").notNull(),
    startsAt: tstz("starts_at").notNull(),
    endsAt: tstz("ends_at").notNull(),
    contacts: jsonb("contacts").$type<Contact[]>().notNull().default([]),
    createdBy: text("created_by"),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [
    // "who is on duty at t": starts_at <= t < ends_at
    index("duty_roster_window_idx").on(t.startsAt, t.endsAt),
    check("duty_roster_window_ck", sql`${t.endsAt} > ${t.startsAt}`),
  ],
);

export type DutyShift = typeof dutyRoster.$inferSelect;
export type NewDutyShift = typeof dutyRoster.$inferInsert;
