/** How get and update commands print the resource they got back: the API's JSON, or labelled fields. */
import { EXIT_OK } from "../exit-codes.ts";
import { renderFields, renderJson } from "../output.ts";
import type { CommandContext } from "./types.ts";

export type FieldList = readonly (readonly [label: string, value: unknown])[];

export function showResource<T>(
  ctx: CommandContext,
  resource: T,
  fieldsOf: (resource: T) => FieldList,
): number {
  ctx.io.stdout(ctx.config.output === "json" ? renderJson(resource) : renderFields(fieldsOf(resource)));
  return EXIT_OK;
}

/** A timestamp as the API gave it, or a word for its absence. */
export function when(timestamp: string | null, absent = "never"): string {
  return timestamp ?? absent;
}
