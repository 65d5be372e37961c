/** The ServiceContext a job hands to services: its run id as request id, "system" as actor. */
import type { ServiceContext } from "../services/context.ts";
import type { JobContext } from "./types.ts";

export const JOB_ACTOR = "system";

export async function jobServiceContext(ctx: JobContext): Promise<ServiceContext> {
  const { db } = await ctx.database();
  return {
    db,
    clock: ctx.clock,
    logger: ctx.logger,
    coordination: ctx.coordination,
    requestId: ctx.runId,
    actor: JOB_ACTOR,
    ...(ctx.encryption ? { encryption: ctx.encryption } : {}),
  };
}
