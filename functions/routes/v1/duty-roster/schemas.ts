/** Duty-roster shapes shared by the /v1/duty-roster routes. */
import { z } from "@hono/zod-openapi";
import { CONTACT_CHANNELS } from "../../../../drizzle/schema/index.ts";
import { UuidSchema } from "../../../http/params.ts";
import { ADDRESS_MAX, addressProblem } from "../../../services/duty-roster/contact.ts";
import { MAX_CONTACTS, PERSON_MAX } from "../../../services/duty-roster/shift-view.ts";
import { TimestampQuery } from "../events/schemas.ts";

const NO_CONTROL_CHARS = /^[^\p{Cc}]*$/u;

/** A channel and an address that goes with it (an email address, or an http(s) URL for webhook). */
export const ContactSchema = z
  .strictObject({
    channel: z.enum(CONTACT_CHANNELS).openapi({ example: "email" }),
    address: z.string().min(1).max(ADDRESS_MAX).openapi({
      description: "an email address (channel email) or an http(s) URL (channel webhook)",
      example: "oncall@example.com",
    }),
  })
  .superRefine((contact, issues) => {
    const problem = addressProblem(contact.channel, contact.address);
    if (problem !== null) issues.addIssue({ code: "custom", path: ["address"], message: problem });
  })
  .openapi("Contact");

const PersonSchema = z
  .string()
  .trim()
  .min(1)
  .max(PERSON_MAX)
  .regex(NO_CONTROL_CHARS, { message: "must not contain control characters" })
  .openapi({ example: "Ada Lovelace" });

const Instant = TimestampQuery.openapi({ example: "2030-05-04T08:00:00Z" });
const Contacts = z.array(ContactSchema).max(MAX_CONTACTS);

export const CreateDutyShiftBody = z
  .strictObject({
    person: PersonSchema,
    startsAt: Instant,
    endsAt: Instant.openapi({ description: "after startsAt", example: "2030-05-11T08:00:00Z" }),
    contacts: Contacts.optional(),
  })
  .openapi("CreateDutyShiftRequest", {
    example: {
      person: "Ada Lovelace",
      startsAt: "2030-05-04T08:00:00Z",
      endsAt: "2030-05-11T08:00:00Z",
      contacts: [{ channel: "email", address: "ada@example.com" }],
    },
  });

export const UpdateDutyShiftBody = z
  .strictObject({
    person: PersonSchema.optional(),
    startsAt: Instant.optional(),
    endsAt: Instant.optional(),
    contacts: Contacts.optional().openapi({ description: "replaced whole" }),
  })
  .refine((body) => Object.values(body).some((v) => v !== undefined), {
    message: "give at least one of person, startsAt, endsAt, contacts",
  })
  .openapi("UpdateDutyShiftRequest", { example: { endsAt: "2030-05-12T08:00:00Z" } });

export const DutyShiftSchema = z
  .object({
    id: z.uuid(),
    person: z.string(),
    startsAt: z.string(),
    endsAt: z.string(),
    contacts: z.array(z.object({ channel: z.enum(CONTACT_CHANNELS), address: z.string() })),
    createdBy: z.string().nullable(),
    createdAt: z.string(),
    updatedAt: z.string(),
  })
  .openapi("DutyShift");

export const ShiftIdParams = z.object({
  shiftId: UuidSchema.openapi({
    param: { name: "shiftId", in: "path" },
    example: "5e1f2a3b-4c5d-4e6f-8a7b-9c0d1e2f3a4b",
  }),
});

/** Optional ISO instants of a request, as the services take them. */
export function datesOf<K extends string>(values: Partial<Record<K, string>>): Partial<Record<K, Date>> {
  const out: Partial<Record<K, Date>> = {};
  for (const [key, value] of Object.entries(values) as [K, string | undefined][]) {
    if (value !== undefined) out[key] = new Date(value);
  }
  return out;
}
