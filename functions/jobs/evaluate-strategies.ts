/**
 * The daily strategy run (issue 14 §2). The scheduled run (every tick) fans
 * out once per UTC day, at the first tick at or after
 * `policy.strategyEvaluationHourUtc`: one `strategy.evaluate` message per
 * (enabled strategy, pool in its scope), keyed by the day. A coordination
 * record per day (`strategy-evaluation:fan-out:<day>`) makes the day's other
 * ticks do nothing; should it be lost (an embedded restart), a second
 * fan-out only redelivers messages, which the evaluation rows make harmless.
 * The hour leaves time for the roll-up job to turn yesterday's raw snapshots
 * into the daily rows the evaluation reads.
 *
 * The consumer evaluates the messages of a delivery batch together
 * (runner.ts runStrategyEvaluations, evaluateStrategyBatch here):
 *   1. ONE read for the whole batch (strategy-inputs.ts); a run that
 *      already has its row, a strategy disabled or narrowed since the
 *      fan-out, or a pool or cluster gone, is skipped without a row;
 *   2. the pure assessment (services/strategies/evaluation/assess.ts) of
 *      each; every below_threshold and cooldown row of the batch is written
 *      with ONE insert (strategy-outcome.ts insertEvaluations). These rows
 *      decide nothing and the table's unique (strategy, cluster, pool, run)
 *      absorbs a redelivery, so this needs no lock; should the insert fail,
 *      none of them is written and only their messages are retried;
 *   3. a pool that triggered goes on alone, under a lock per strategy,
 *      cluster and pool (runner.ts runStrategyEvaluation,
 *      evaluateStrategyTarget here): a fresh read of the one pool, the
 *      template (strategy-candidates.ts; none → an `error` row naming what
 *      is missing), then in ONE transaction the locked candidates, the
 *      device count (settle.ts) and what it decided (strategy-outcome.ts):
 *      order + devices + history row + outbox rows, or a no_stock row +
 *      stock.empty outbox rows.
 * A thrown error (the database went away) leaves nothing behind and is
 * retried by the queue with backoff, then parked; only problems of the
 * evaluation itself become `error` rows.
 */
import type { EvaluationResult } from "../../drizzle/schema/index.ts";
import { assess } from "../services/strategies/evaluation/assess.ts";
import { dayOf } from "../services/strategies/evaluation/days.ts";
import { strategyRules } from "../services/strategies/evaluation/rules.ts";
import { settle } from "../services/strategies/evaluation/settle.ts";
import { markerCheck, rememberIdle } from "./idle.ts";
import { jobServiceContext } from "./job-context.ts";
import { candidateFilter, findCandidates } from "./strategy-candidates.ts";
import {
  type EvaluationInputs,
  readEvaluationInputs,
  type StrategyTarget,
  targetKey,
} from "./strategy-inputs.ts";
import {
  type EvaluationRow,
  insertEvaluation,
  insertEvaluations,
  recordSettlement,
} from "./strategy-outcome.ts";
import { poolInScope, strategyTargets } from "./strategy-targets.ts";
import type { Job, JobContext } from "./types.ts";

export type { StrategyTarget } from "./strategy-inputs.ts";

export const EVALUATE_STRATEGIES_JOB = "evaluate-strategies";
/** Upper bound of a fan-out (one query, batched sends); also how long its day stays "in progress". */
const FAN_OUT_TTL_MS = 10 * 60_000;
/** The day's "done" record outlives the day; the key carries the day, so it never blocks another. */
const FAN_OUT_DONE_TTL_MS = 2 * 86_400_000;

export const fanOutKey = (runKey: string) => `strategy-evaluation:fan-out:${runKey}`;

export interface FanOut {
  /** the day fanned out, or null when this tick did not (before the hour, or already done) */
  runKey: string | null;
  messages: number;
}

export async function fanOutStrategyEvaluations(ctx: JobContext): Promise<FanOut> {
  const now = ctx.clock.now();
  if (now.getUTCHours() < ctx.policy.strategyEvaluationHourUtc) return { runKey: null, messages: 0 };
  const runKey = dayOf(now);
  const key = fanOutKey(runKey);
  const begun = await ctx.coordination.idempotencyBegin(key, FAN_OUT_TTL_MS);
  if (begun.state === "done") await rememberIdle(ctx, EVALUATE_STRATEGIES_JOB, { day: runKey }, "time-only");
  if (begun.state !== "new") return { runKey: null, messages: 0 };
  try {
    const { db } = await ctx.database();
    const targets = await strategyTargets(db);
    await ctx.queue.sendBatch(targets.map((t) => ({ type: "strategy.evaluate" as const, ...t, runKey })));
    await ctx.coordination.idempotencyComplete(key, { messages: targets.length }, FAN_OUT_DONE_TTL_MS);
    await rememberIdle(ctx, EVALUATE_STRATEGIES_JOB, { day: runKey }, "time-only");
    return { runKey, messages: targets.length };
  } catch (err) {
    // the next tick tries the whole day again; messages already sent are evaluated once anyway
    await ctx.coordination
      .idempotencyAbandon(key)
      .catch((e: unknown) => ctx.logger.warn("fan-out record not released", { error: e }));
    throw err;
  }
}

/** Idle before the day's hour (no marker needed) and once the day is fanned out. */
const fannedOut = markerCheck(EVALUATE_STRATEGIES_JOB, (marker, view) => marker.day === dayOf(view.now));

export const evaluateStrategiesJob: Job = {
  name: EVALUATE_STRATEGIES_JOB,
  lockTtlMs: FAN_OUT_TTL_MS,
  idle: {
    key: (view) =>
      view.now.getUTCHours() < view.policy.strategyEvaluationHourUtc ? null : fannedOut.key(view),
    idle: (value, view) =>
      view.now.getUTCHours() < view.policy.strategyEvaluationHourUtc || fannedOut.idle(value, view),
  },
  async run(ctx) {
    const fanOut = await fanOutStrategyEvaluations(ctx);
    if (fanOut.runKey !== null) ctx.logger.info("strategy evaluations enqueued", { ...fanOut });
  },
};

export type TargetOutcome =
  | { result: EvaluationResult; orderId: string | null }
  | { result: "skipped"; reason: string };

function skipReason(inputs: EvaluationInputs | undefined): string | null {
  if (inputs === undefined) return "the strategy, or the pool in that cluster, no longer exists";
  if (inputs.evaluated) return "this run already evaluated the pool";
  if (!inputs.clusterLive) return "the cluster was deleted";
  if (inputs.strategy.status !== "enabled") return "the strategy is disabled";
  if (!poolInScope(inputs.strategy, inputs.pool)) return "the pool is no longer in the strategy's scope";
  return null;
}

function assessInputs(inputs: EvaluationInputs, target: StrategyTarget) {
  return assess({
    strategy: strategyRules(inputs.strategy),
    runDay: target.runKey,
    snapshots: inputs.snapshots,
    latestOrderDay: inputs.latestOrderDay,
  });
}

/**
 * What became of each target of a batch: done (skipped, or its row written), triggered (for the
 * locked per-pool path), or failed (its row could not be written; the error says why).
 */
export type BatchVerdict =
  | { verdict: "done" }
  | { verdict: "triggered" }
  | { verdict: "failed"; error: unknown };

/** Steps 1 and 2 of the header for a batch of targets; throws when the read fails. */
export async function evaluateStrategyBatch(
  ctx: JobContext,
  targets: readonly StrategyTarget[],
): Promise<BatchVerdict[]> {
  const { db } = await ctx.database();
  const now = ctx.clock.now();
  const inputs = await readEvaluationInputs(db, targets);
  const verdicts: BatchVerdict[] = [];
  const rows: { index: number; target: StrategyTarget; row: EvaluationRow }[] = [];
  let skipped = 0;
  for (const [index, target] of targets.entries()) {
    const found = inputs.get(targetKey(target));
    if (found === undefined || skipReason(found) !== null) {
      skipped++;
      verdicts.push({ verdict: "done" });
      continue;
    }
    const assessment = assessInputs(found, target);
    verdicts.push({ verdict: assessment.result === "triggered" ? "triggered" : "done" });
    if (assessment.result !== "triggered") rows.push({ index, target, row: assessment });
  }
  try {
    await insertEvaluations(db, rows, now);
  } catch (error) {
    ctx.logger.warn("strategy evaluation rows not written", { rows: rows.length, error });
    for (const { index } of rows) verdicts[index] = { verdict: "failed", error };
  }
  ctx.logger.debug("strategy evaluations assessed", {
    targets: targets.length,
    skipped,
    written: rows.length,
  });
  return verdicts;
}

/** Step 3 of the header: one strategy's evaluation of one pool, read afresh. */
export async function evaluateStrategyTarget(
  ctx: JobContext,
  target: StrategyTarget,
): Promise<TargetOutcome> {
  const service = await jobServiceContext(ctx);
  const { db } = service;
  const now = ctx.clock.now();
  const inputs = (await readEvaluationInputs(db, [target])).get(targetKey(target));
  const skipped = skipReason(inputs);
  if (skipped !== null || inputs === undefined) {
    ctx.logger.debug("strategy evaluation skipped", { reason: skipped });
    return { result: "skipped", reason: skipped ?? "" };
  }
  const rules = strategyRules(inputs.strategy);
  const assessment = assessInputs(inputs, target);
  if (assessment.result !== "triggered") {
    // the batch saw it triggered; an order made since (cooldown) decided otherwise
    await insertEvaluation(db, target, assessment, now);
    return { result: assessment.result, orderId: null };
  }
  const filter = await candidateFilter(db, inputs.strategy, inputs.pool);
  if (!filter.ok) {
    const reason = `${assessment.reason}; but ${filter.reason}`;
    await insertEvaluation(db, target, { result: "error", reason, observed: assessment.observed }, now);
    ctx.logger.warn("strategy evaluation error", { reason });
    return { result: "error", orderId: null };
  }
  const outcome = await db.transaction(async (tx) => {
    const candidates = await findCandidates(tx, {
      action: rules.action,
      pool: inputs.pool,
      condition: filter.condition,
      limit: rules.maxDevices,
    });
    const settled = settle(rules, assessment, candidates);
    const settlement = { ...settled, observed: { ...settled.observed, candidatesFrom: filter.source } };
    const recorded = await recordSettlement(tx, service, { target, inputs, settlement, now });
    return { result: settlement.result, orderId: recorded?.order?.id ?? null, written: recorded !== null };
  });
  if (outcome.written)
    ctx.logger.info("strategy evaluated", { result: outcome.result, orderId: outcome.orderId });
  return { result: outcome.result, orderId: outcome.orderId };
}
