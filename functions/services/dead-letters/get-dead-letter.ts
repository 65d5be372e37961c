/** One dead letter by id, with its body as it was delivered. */
import type { ServiceCall } from "../context.ts";
import { type DeadLetterView, findDeadLetter, toDeadLetterView } from "./dead-letter-view.ts";

export async function getDeadLetter({ ctx, input }: ServiceCall<{ id: string }>): Promise<DeadLetterView> {
  return toDeadLetterView(await findDeadLetter(ctx.db, input.id));
}
