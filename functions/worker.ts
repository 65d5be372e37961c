/**
 * Cloudflare Workers entry: `fetch` serves the app, `scheduled` runs the
 * registered jobs (the same ones Node's interval scheduler runs), `queue`
 * consumes JOBS_QUEUE with the shared consumer logic, a delivery batch at a
 * time, and records what reaches its dead-letter queue (ksp-jobs-dlq). The runtime is composed once per isolate; an invalid environment
 * answers every request with a 500 envelope and one log line naming the
 * variables (never their values).
 */

import { createLogger } from "../shared/logger.ts";
import type { ExecutionContext, MessageBatch, ScheduledController } from "./composition/cloudflare.ts";
import { composeWorker, type WorkerRuntime } from "./composition/worker.ts";
import { IGNORED_VARIABLES_WARNING, ignoredVariables, parseWorkerEnv } from "./env.ts";
import { errorEnvelope } from "./http/error-map.ts";
import { runScheduledJobs } from "./jobs/runner.ts";
import { acceptableRequestId, REQUEST_ID_HEADER } from "./middleware/request-id.ts";
import { deliverBatch } from "./queue/batch.ts";
import { deliverDeadLetterBatch, isDeadLetterQueue } from "./queue/dead-letter-batch.ts";

type Bindings = Record<string, unknown>;
type Composed = { ok: true; runtime: WorkerRuntime } | { ok: false; problems: string[] };

let cached: { env: Bindings; composed: Composed } | undefined;

function runtimeFor(env: Bindings): Composed {
  if (cached?.env === env) return cached.composed;
  const parsed = parseWorkerEnv(env);
  let composed: Composed;
  if (parsed.ok) {
    const logger = createLogger({ level: parsed.settings.logLevel });
    composed = { ok: true, runtime: composeWorker(parsed.settings, logger) };
  } else {
    const logger = createLogger();
    logger.error("invalid worker environment; every request fails until it is fixed", {
      problems: parsed.problems,
    });
    // a misspelt name is often why a required one is missing (composeWorker reports them otherwise)
    const ignored = ignoredVariables(env, "worker");
    if (ignored.length > 0) logger.warn(IGNORED_VARIABLES_WARNING, { variables: ignored });
    composed = { ok: false, problems: parsed.problems };
  }
  cached = { env, composed };
  return composed;
}

function misconfigured(request: Request): Response {
  const incoming = request.headers.get(REQUEST_ID_HEADER);
  const requestId = acceptableRequestId(incoming) ? incoming : crypto.randomUUID();
  const body = errorEnvelope("internal", "the server is misconfigured; see its logs", requestId);
  return Response.json(body, { status: 500, headers: { [REQUEST_ID_HEADER]: requestId } });
}

export default {
  async fetch(request: Request, env: Bindings, ctx: ExecutionContext): Promise<Response> {
    const composed = runtimeFor(env);
    if (!composed.ok) return misconfigured(request);
    await composed.runtime.beforeRequest(request);
    return composed.runtime.app.fetch(request, env, ctx);
  },

  async scheduled(controller: ScheduledController, env: Bindings, _ctx: ExecutionContext): Promise<void> {
    const composed = runtimeFor(env);
    if (!composed.ok) throw new Error(`invalid worker environment: ${composed.problems.length} problem(s)`);
    const outcomes = await runScheduledJobs(composed.runtime.runner, `cron:${controller.cron}`);
    const failed = outcomes.filter((o) => o.outcome === "failed").map((o) => o.job);
    // Thrown so the cron invocation shows as failed in Cloudflare's dashboard.
    if (failed.length > 0) throw new Error(`scheduled jobs failed: ${failed.join(", ")}`);
  },

  async queue(batch: MessageBatch, env: Bindings, _ctx: ExecutionContext): Promise<void> {
    const composed = runtimeFor(env);
    if (!composed.ok) {
      batch.retryAll({ delaySeconds: 60 });
      return;
    }
    const { runtime } = composed;
    // ksp-jobs-dlq: what Cloudflare gave up on is recorded (GET /v1/dead-letters), never run here
    if (isDeadLetterQueue(batch.queue))
      await deliverDeadLetterBatch(batch, runtime.recordDeadLetters, runtime.deps.logger);
    else await deliverBatch(batch, runtime.consumeBatch, runtime.deps.logger);
  },
};
