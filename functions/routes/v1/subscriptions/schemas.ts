/** Subscription shapes shared by the /v1/subscriptions routes. */
import { z } from "@hono/zod-openapi";
import { CONTACT_CHANNELS, NOTIFICATION_EVENT_TYPES } from "../../../../drizzle/schema/index.ts";
import { UuidSchema } from "../../../http/params.ts";
import { ADDRESS_MAX, addressProblem } from "../../../services/duty-roster/contact.ts";
import { SUBSCRIPTION_NAME_MAX } from "../../../services/subscriptions/subscription-view.ts";

const NO_CONTROL_CHARS = /^[^\p{Cc}]*$/u;

export const EventTypeSchema = z.enum(NOTIFICATION_EVENT_TYPES).openapi({ example: "order.created" });
const ChannelSchema = z.enum(CONTACT_CHANNELS).openapi({
  description: "webhook: a signed POST to the URL; email: through the email webhook adapter",
  example: "webhook",
});

const NameSchema = z
  .string()
  .trim()
  .min(1)
  .max(SUBSCRIPTION_NAME_MAX)
  .regex(NO_CONTROL_CHARS, { message: "must not contain control characters" })
  .openapi({ example: "platform-team-orders" });

const EventTypesSchema = z
  .array(EventTypeSchema)
  .min(1)
  .max(NOTIFICATION_EVENT_TYPES.length)
  .superRefine((types, issues) => {
    for (const [i, type] of types.entries()) {
      if (types.indexOf(type) !== i)
        issues.addIssue({ code: "custom", path: [i], message: `${type} is listed twice` });
    }
  })
  .openapi({ description: "at least one; each at most once" });

const AddressSchema = z.string().min(1).max(ADDRESS_MAX).openapi({
  description: "an http(s) URL (channel webhook) or an email address (channel email)",
  example: "https://hooks.example.com/ksp",
});

const addressMatchesChannel = (
  body: { channel?: (typeof CONTACT_CHANNELS)[number] | undefined; address?: string | undefined },
  issues: z.RefinementCtx,
) => {
  if (body.channel === undefined || body.address === undefined) return;
  const problem = addressProblem(body.channel, body.address);
  if (problem !== null) issues.addIssue({ code: "custom", path: ["address"], message: problem });
};

export const CreateSubscriptionBody = z
  .strictObject({
    name: NameSchema,
    eventTypes: EventTypesSchema,
    channel: ChannelSchema,
    address: AddressSchema,
    enabled: z.boolean().optional().openapi({ description: "default true" }),
  })
  .superRefine(addressMatchesChannel)
  .openapi("CreateSubscriptionRequest", {
    example: {
      name: "platform-team-orders",
      eventTypes: ["order.created", "order.failed"],
      channel: "webhook",
      address: "https://hooks.example.com/ksp",
    },
  });

export const UpdateSubscriptionBody = z
  .strictObject({
    name: NameSchema.optional(),
    eventTypes: EventTypesSchema.optional().openapi({ description: "replaced whole" }),
    channel: ChannelSchema.optional(),
    address: AddressSchema.optional(),
    enabled: z.boolean().optional(),
  })
  .superRefine(addressMatchesChannel)
  .refine((body) => Object.values(body).some((v) => v !== undefined), {
    message: "give at least one of name, eventTypes, channel, address, enabled",
  })
  .openapi("UpdateSubscriptionRequest", { example: { enabled: false } });

export const SubscriptionSchema = z
  .object({
    id: z.uuid(),
    name: z.string(),
    eventTypes: z.array(EventTypeSchema),
    channel: ChannelSchema,
    address: z.string(),
    enabled: z.boolean(),
    createdBy: z.string().nullable(),
    createdAt: z.string(),
    updatedAt: z.string(),
  })
  .openapi("Subscription");

export const SubscriptionIdParams = z.object({
  subscriptionId: UuidSchema.openapi({
    param: { name: "subscriptionId", in: "path" },
    example: "2b3c4d5e-6f70-4a81-9b2c-3d4e5f607182",
  }),
});
