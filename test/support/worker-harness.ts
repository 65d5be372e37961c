/**
 * Loads the BUNDLED Worker (dist/worker/worker.js, built by the same script
 * as `npm run build:worker`) into workerd through Miniflare, with the queue
 * binding of wrangler.toml (and on request its `[assets]`), and collects its
 * console output as JSON lines.
 */
import { readFileSync } from "node:fs";
import type { Readable } from "node:stream";
import { fileURLToPath } from "node:url";
import { Miniflare } from "miniflare";
import { BUNDLE, buildWorker } from "../../scripts/build-worker.ts";

export const QUEUE_NAME = "ksp-jobs";

/** The same date and flags as wrangler.toml, read from it so the two cannot drift. */
export function wranglerSetting(key: string): string {
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

export interface WorkerOptions {
  /**
   * Let Miniflare consume JOBS_QUEUE into the Worker's own `queue()` handler, as
   * wrangler.toml's consumer does; without it, tests hand messages to `queue()` themselves.
   */
  queueConsumer?: { maxBatchSize?: number; maxBatchTimeoutSeconds: number; maxRetries?: number };
  /**
   * Serve dist/static through the ASSETS binding, as wrangler.toml's `[assets]` does in production
   * (build it first: test/support/console-build.ts).
   */
  assets?: boolean;
}

/**
 * Miniflare's `assets` option exactly as wrangler derives it from wrangler.toml's `[assets]`
 * (directory, binding, run_worker_first, html_handling…), so the test cannot drift from the deployment.
 */
async function wranglerAssets(): Promise<Record<string, unknown>> {
  const { unstable_getMiniflareWorkerOptions } = await import("wrangler");
  const { workerOptions } = unstable_getMiniflareWorkerOptions(
    fileURLToPath(new URL("../../wrangler.toml", import.meta.url)),
  );
  if (!workerOptions.assets) throw new Error("wrangler.toml has no [assets]");
  return workerOptions.assets as Record<string, unknown>;
}

export async function startWorker(
  bindings: Record<string, string>,
  options: WorkerOptions = {},
): Promise<WorkerHarness> {
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
    // The bundle is one module, declared as such, as wrangler hands it over: left to discover
    // imports itself, Miniflare refuses any computed `import()`, and @upstash/qstash carries some
    // (its local dev server's `import("node:" + name)`, never run in a Worker).
    modules: [{ type: "ESModule", path: BUNDLE }],
    compatibilityDate: JSON.parse(wranglerSetting("compatibility_date")),
    compatibilityFlags: JSON.parse(wranglerSetting("compatibility_flags")),
    bindings,
    queueProducers: { JOBS_QUEUE: { queueName: QUEUE_NAME } },
    ...(options.assets ? { assets: await wranglerAssets() } : {}),
    ...(options.queueConsumer
      ? {
          queueConsumers: {
            [QUEUE_NAME]: {
              maxBatchSize: options.queueConsumer.maxBatchSize ?? 10,
              maxBatchTimeout: options.queueConsumer.maxBatchTimeoutSeconds,
              maxRetries: options.queueConsumer.maxRetries ?? 5,
            },
          },
        }
      : {}),
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
