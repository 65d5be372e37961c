/** One event / operation by id; a row of a cluster the caller cannot see is "not found". */
import { eq } from "drizzle-orm";
import { operations } from "../../../drizzle/schema/operations.ts";
import { AppError } from "../../lib/errors.ts";
import type { ServiceCall } from "../context.ts";
import { isUuid } from "../machines/ids.ts";
import { type EventView, toEventView } from "./event-view.ts";

export interface GetOperationInput {
  id: string;
  scopeClusterId: string | null;
}

export async function getOperation({ ctx, input }: ServiceCall<GetOperationInput>): Promise<EventView> {
  const notFound = () => new AppError("not_found", `operation ${input.id} not found`, { id: input.id });
  if (!isUuid(input.id)) throw notFound();
  const [row] = await ctx.db.select().from(operations).where(eq(operations.id, input.id));
  if (!row || (input.scopeClusterId !== null && row.clusterId !== input.scopeClusterId)) throw notFound();
  return toEventView(row);
}
