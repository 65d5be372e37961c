/**
 * Loads the BUNDLED Worker (dist/worker/worker.js, built by the same script
 * as `npm run build:worker`) into workerd through Miniflare, with the queue
 * binding of wrangler.toml, and collects its console output as JSON lines.
 */
import { readFileSync } from "node:fs";
import type { Readable } from "node:stream";
import { Miniflare } from "miniflare";
import { BUNDLE, buildWorker } from "../../scripts/build-worker.ts";

export const QUEUE_NAME = "ksp-jobs";

/** The same date and flags as wrangler.toml, read from it so the two cannot drift. */
function wranglerSetting(key: string): string {
  const match = readFileSync(new URL("../../wrangler.toml", import.meta.url), "utf8").match(
    new RegExp(`^${key}\\s*=\\s*(.+)$`, "m"),
  );
  if (!match?.[1]) throw new Error(`wrangler.toml has no ${key}`);
  return match[1].trim();
}

/** What Miniflare's `getWorker()` offers for the non-fetch handlers (its own types need workers-types). */
export interface WorkerHandlers {
  scheduled(options: { cron?: string; scheduledTime?: Date }): Promise<{ outcome: string; noRetry: boolean }>;
  queue(
    queueName: string,
    messages: { id: string; timestamp: Date; body: unknown; attempts: number }[],
  ): Promise<{
    outcome: string;
    ackAll: boolean;
    explicitAcks: string[];
    retryMessages: { msgId: string; delaySeconds?: number }[];
  }>;
}

export interface WorkerHarness {
  mf: Miniflare;
  handlers(): Promise<WorkerHandlers>;
  bundleCode: string;
  /** Every JSON line the Worker logged so far. */
  logs: Record<string, unknown>[];
  dispose(): Promise<void>;
}

let built: { rawBytes: number; gzipBytes: number } | undefined;

/** Builds once per test file. */
export function ensureBundle(): { rawBytes: number; gzipBytes: number } {
  built ??= buildWorker();
  return built;
}

export async function startWorker(bindings: Record<string, string>): Promise<WorkerHarness> {
  ensureBundle();
  const logs: Record<string, unknown>[] = [];
  const collect = (chunk: Buffer | string) => {
    for (const line of String(chunk).split("\n")) {
      const start = line.indexOf("{");
      if (start < 0) continue;
      try {
        logs.push(JSON.parse(line.slice(start)));
      } catch {
        // not one of ours (workerd's own diagnostics)
      }
    }
  };
  const mf = new Miniflare({
    modules: true,
    scriptPath: BUNDLE,
    compatibilityDate: JSON.parse(wranglerSetting("compatibility_date")),
    compatibilityFlags: JSON.parse(wranglerSetting("compatibility_flags")),
    bindings,
    queueProducers: { JOBS_QUEUE: { queueName: QUEUE_NAME } },
    handleRuntimeStdio(stdout: Readable, stderr: Readable) {
      stdout.on("data", collect);
      stderr.on("data", collect);
    },
  });
  await mf.ready;
  return {
    mf,
    handlers: async () => (await mf.getWorker()) as unknown as WorkerHandlers,
    bundleCode: readFileSync(BUNDLE, "utf8"),
    logs,
    dispose: () => mf.dispose(),
  };
}
