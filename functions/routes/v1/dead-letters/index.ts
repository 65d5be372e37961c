import type { App } from "../../../http/hono-env.ts";
import { registerDiscardDeadLetter } from "./discard.ts";
import { registerGetDeadLetter } from "./get.ts";
import { registerListDeadLetters } from "./list.ts";
import { registerReplayDeadLetter } from "./replay.ts";

/** Registers every /v1/dead-letters route (one route per file in this folder). */
export function registerDeadLetterRoutes(app: App): void {
  registerListDeadLetters(app);
  registerGetDeadLetter(app);
  registerReplayDeadLetter(app);
  registerDiscardDeadLetter(app);
}
