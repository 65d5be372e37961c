/** Query and body shapes of the /v1/machines routes other than create/update (see schemas.ts). */
import { z } from "@hono/zod-openapi";
import { MACHINE_STATES, type MachineState } from "../../../../proto/machine-states.ts";
import { PageQuerySchema } from "../../../http/pagination.ts";
import { ClusterRefSchema, PoolRefSchema } from "../../../http/params.ts";
import { AppError } from "../../../lib/errors.ts";

const NO_CONTROL_CHARS = /^[^\p{Cc}]*$/u;
const filterText = (max: number) =>
  z.string().max(max).regex(NO_CONTROL_CHARS, { message: "must not contain control characters" });

const ExpectedVersion = z.int().min(0).max(2_147_483_647).optional().openapi({
  description: "refuse with 409 stale_version unless the machine is still at this version",
});

const StatusParam = filterText(200).openapi({
  description: `one status or a comma list (${MACHINE_STATES.join(", ")}); repeat the parameter for more`,
});

export const ListMachinesQuery = PageQuerySchema.extend({
  clusterId: ClusterRefSchema.optional(),
  poolId: PoolRefSchema.optional(),
  status: z.union([StatusParam, z.array(StatusParam).max(MACHINE_STATES.length)]).optional(),
  region: filterText(128).optional(),
  zone: filterText(128).optional(),
  labelSelector: filterText(1024)
    .optional()
    .openapi({ description: "Kubernetes label selector, e.g. gpu=a100,zone in (a,b),!legacy" }),
  q: filterText(200)
    .optional()
    .openapi({ description: "case-insensitive text in hostname, IP address or node name" }),
  unassigned: z.enum(["true", "false"]).optional().openapi({
    description: "true: only the free inventory; false: only machines assigned to a cluster",
  }),
});

/** `?status=a,b&status=c` → [a, b, c]; an unknown status is a 400 naming it. */
export function statusesOf(raw: string | string[] | undefined): MachineState[] | undefined {
  if (raw === undefined) return undefined;
  const names = (Array.isArray(raw) ? raw : [raw])
    .flatMap((part) => part.split(","))
    .map((name) => name.trim())
    .filter((name) => name !== "");
  const unknown = names.filter((name) => !(MACHINE_STATES as readonly string[]).includes(name));
  if (unknown.length > 0) {
    throw new AppError("validation_failed", `unknown status: ${unknown.join(", ")}`, {
      unknown,
      allowed: MACHINE_STATES,
    });
  }
  return [...new Set(names as MachineState[])];
}

export const AssignBody = z
  .strictObject({ clusterId: ClusterRefSchema, poolId: PoolRefSchema, expectedVersion: ExpectedVersion })
  .openapi("MachineAssignment");

export const VersionBody = z
  .strictObject({ expectedVersion: ExpectedVersion })
  .openapi("MachineVersionGuard");

/** Free text for people; line breaks and tabs are fine, other control characters are not. */
const Reason = z
  .string()
  .trim()
  .min(1)
  .max(500)
  .refine((text) => NO_CONTROL_CHARS.test(text.replace(/[\t\n\r]/g, " ")), {
    message: "must not contain control characters other than line breaks and tabs",
  });

export const ReasonBody = z
  .strictObject({ reason: Reason, expectedVersion: ExpectedVersion })
  .openapi("MachineStatusReason");

export const OptionalReasonBody = z
  .strictObject({ reason: Reason.optional(), expectedVersion: ExpectedVersion })
  .openapi("MachineStatusOptionalReason");
