/**
 * The async-iterable face of runPipeline, for callers that consume results
 * with `for await` (log shipping, a UI stream). `results` ends when the run
 * does; `done` carries the HostResults (or the option error).
 */
import { type RunPipelineOptions, runPipeline } from "./engine.ts";
import type { HostResult, StepResult } from "./types.ts";

export interface PipelineStream {
  results: AsyncIterable<StepResult>;
  done: Promise<HostResult[]>;
}

export function streamPipeline(options: RunPipelineOptions): PipelineStream {
  const queued: StepResult[] = [];
  let finished = false;
  let wake: (() => void) | undefined;
  const notify = () => {
    wake?.();
    wake = undefined;
  };
  const done = runPipeline({
    ...options,
    onResult: (result) => {
      queued.push(result);
      notify();
      options.onResult?.(result);
    },
  }).finally(() => {
    finished = true;
    notify();
  });
  // `done` may reject; the iterator only ends, the caller learns why from `done`.
  done.catch(() => undefined);

  async function* results(): AsyncGenerator<StepResult> {
    for (;;) {
      const next = queued.shift();
      if (next !== undefined) yield next;
      else if (finished) return;
      else await new Promise<void>((resolve) => (wake = resolve));
    }
  }
  return { results: results(), done };
}
