/** Streams an NDJSON export to stdout as it arrives, so a large export never sits in memory. */
import { type ApiResult, dataOf } from "../api.ts";
import type { CliDeps } from "../runtime.ts";

export async function streamTo(deps: CliDeps, result: ApiResult<unknown>): Promise<number> {
  const body = dataOf(result) as ReadableStream<Uint8Array> | null | undefined;
  if (!body) return 0;
  const decoder = new TextDecoder();
  let lines = 0;
  for await (const chunk of body as unknown as AsyncIterable<Uint8Array>) {
    const text = decoder.decode(chunk, { stream: true });
    lines += (text.match(/\n/g) ?? []).length;
    deps.stdout(text);
  }
  const rest = decoder.decode();
  if (rest) deps.stdout(rest);
  return lines;
}
