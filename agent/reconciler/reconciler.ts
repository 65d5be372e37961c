/**
 * The lifecycle loop. It runs whenever the state store or the Node view
 * changes, when an operation ends, and every `tickMs` (deadlines, retries),
 * at most once per MIN_PASS_INTERVAL_MS:
 * it asks plan.ts what to start and stop, and runs each machine's operation
 * (join, remove, maintenance, labels, uncordon) on its own, one at a time
 * per machine, within the pools' caps. Only the leader acts.
 *
 * An operation that could not finish for a reason that is not the machine's
 * (the control plane or the API server unreachable) ends without a status
 * change; the machine is looked at again after a backoff (1 s doubling to
 * `maxRetryDelayMs`), and its status deadlines still apply. A conflict (the
 * control plane refused a transition: someone else moved the machine) means
 * our view is stale: the machine waits until a poll shows it at another
 * version (or `maxRetryDelayMs` passed), never retried into the same refusal.
 */
import type { AgentMachine, AgentPool } from "../../proto/agent-api.ts";
import { cachedDiscovery } from "./cached-discovery.ts";
import { joinMachine } from "./join-machine.ts";
import { completeNodeLabels } from "./label-node.ts";
import { maintainMachine } from "./maintain-machine.ts";
import { messageOf, type OperationContext } from "./operation-context.ts";
import { planActions } from "./plan.ts";
import { removeMachine } from "./remove-machine.ts";
import { createTokenBatch, type TokenBatch } from "./token-batch.ts";
import type { OperationKind, OperationOutcome, ReconcilerDeps, RunningOperation } from "./types.ts";
import { uncordonNode } from "./uncordon-node.ts";

export const DEFAULT_TOKEN_TTL_MS = 60 * 60_000;
const DEFAULT_TICK_MS = 2_000;
const DEFAULT_MAX_RETRY_DELAY_MS = 30_000;
const FIRST_RETRY_DELAY_MS = 1_000;
/** a labels or uncordon check that just ran is not repeated sooner than this, whatever it found */
const LABELS_INTERVAL_MS = 10_000;
const STOP_WAIT_MS = 10_000;
/**
 * At most one pass per this interval: a pass looks at every machine, and a
 * large cluster's Node updates alone would otherwise start one per event, on
 * the same event loop that answers Cluster Autoscaler.
 */
const MIN_PASS_INTERVAL_MS = 100;

export interface Reconciler {
  /** as leader, deletes the tokens earlier runs left, then reconciles on every change and tick (and leadership change) */
  start(): Promise<void>;
  /**
   * Starts nothing new; lets the operations in flight run for up to
   * `graceMs` (default 0), then aborts what is left and waits (bounded) for it to end.
   */
  stop(options?: StopOptions): Promise<void>;
  /** reconcile soon */
  trigger(): void;
  /** machine id → kind of the operations in flight */
  running(): ReadonlyMap<string, OperationKind>;
}

export interface StopOptions {
  /** how long operations in flight may go on before they are aborted */
  graceMs?: number;
}

/** Resolves when every operation ended or `ms` passed, whichever comes first. */
async function settled(ops: readonly { done: Promise<void> }[], ms: number): Promise<void> {
  let wait: NodeJS.Timeout | undefined;
  await Promise.race([
    Promise.all(ops.map((r) => r.done)),
    new Promise((resolve) => {
      wait = setTimeout(resolve, ms);
    }),
  ]);
  clearTimeout(wait);
}

const INITIAL_EXPECTS: Record<OperationKind, RunningOperation["expects"]> = {
  join: ["reserved", "joining"],
  remove: ["draining", "leaving"],
  maintenance: ["draining"],
  labels: ["ready"],
  uncordon: ["ready"],
};
/** checks of a ready machine's Node: once one ran, it is not repeated sooner than LABELS_INTERVAL_MS */
const NODE_CHECKS: readonly OperationKind[] = ["labels", "uncordon"];

export function createReconciler(input: ReconcilerDeps): Reconciler {
  const deps: ReconcilerDeps = { ...input, discovery: cachedDiscovery(input.discovery, input.clock) };
  const logger = deps.logger.child({ component: "reconciler" });
  const tokenTtlMs = deps.tokenTtlMs ?? DEFAULT_TOKEN_TTL_MS;
  const maxRetryDelayMs = deps.maxRetryDelayMs ?? DEFAULT_MAX_RETRY_DELAY_MS;
  const running = new Map<string, { op: RunningOperation; done: Promise<void> }>();
  const notBefore = new Map<string, number>();
  const failures = new Map<string, number>();
  const staleVersions = new Map<string, number>();
  /** machine id → why its last attempt was put off, for the fault reason should a deadline pass */
  const problems = new Map<string, string>();
  const unsubscribe: (() => void)[] = [];
  /** ids of the bootstrap tokens our join batches hold now */
  const liveTokens = new Set<string>();
  let timer: NodeJS.Timeout | undefined;
  let scheduled = false;
  let stopped = true;
  let lastPassAt = Number.NEGATIVE_INFINITY;

  function trigger(): void {
    if (stopped || scheduled) return;
    scheduled = true;
    const wait = lastPassAt + MIN_PASS_INTERVAL_MS - performance.now();
    const pass = () => {
      scheduled = false;
      lastPassAt = performance.now();
      if (!stopped) reconcile();
    };
    if (wait > 0) setTimeout(pass, wait);
    else setImmediate(pass);
  }

  function reconcile(): void {
    if (!deps.leadership.isLeader() || !deps.store.hasState() || !deps.nodes.synced()) return;
    const now = deps.clock.now().getTime();
    const view = deps.store.view();
    for (const [id, version] of staleVersions) {
      if (view.machinesById.get(id)?.version === version && (notBefore.get(id) ?? 0) > now) continue;
      // a poll brought news (or we waited long enough): look at the machine again now
      staleVersions.delete(id);
      notBefore.delete(id);
    }
    // machines that left the cluster take their bookkeeping with them
    for (const map of [notBefore, failures, problems]) {
      for (const id of map.keys()) if (!view.machinesById.has(id) && !running.has(id)) map.delete(id);
    }
    const actions = planActions({
      view,
      nodes: deps.nodes,
      running: new Map([...running].map(([id, r]) => [id, r.op])),
      notBefore,
      staleVersions,
      now,
    });
    let batch: TokenBatch | null = null;
    for (const action of actions) {
      if (action.kind === "abort") {
        const op = running.get(action.machineId)?.op;
        logger.info("aborting an operation", {
          machineId: action.machineId,
          kind: op?.kind,
          why: action.reason,
        });
        op?.controller.abort(new Error(action.reason));
      } else if (action.kind === "join") {
        batch ??= createTokenBatch({
          tokens: deps.tokens,
          ttlMs: tokenTtlMs,
          description: `ksp-agent ${deps.leadership.identity()}: join batch`,
          logger,
          live: liveTokens,
        });
        const lease = batch.lease();
        start("join", action.machine, action.pool, (ctx) =>
          joinMachine(ctx, action.machine, action.pool, lease).finally(() => lease.release()),
        );
      } else if (action.kind === "remove") {
        start("remove", action.machine, action.pool, (ctx) =>
          removeMachine(ctx, action.machine, action.pool),
        );
      } else if (action.kind === "maintenance") {
        start("maintenance", action.machine, action.pool, (ctx) =>
          maintainMachine(ctx, action.machine, action.pool),
        );
      } else if (action.kind === "uncordon") {
        start("uncordon", action.machine, action.pool, (ctx) => uncordonNode(ctx, action.machine));
      } else {
        start("labels", action.machine, action.pool, (ctx) =>
          completeNodeLabels(ctx, action.machine, action.pool),
        );
      }
    }
    batch?.seal();
  }

  function start(
    kind: OperationKind,
    machine: AgentMachine,
    pool: AgentPool,
    run: (ctx: OperationContext) => Promise<OperationOutcome>,
  ): void {
    const op: RunningOperation = {
      kind,
      machineId: machine.id,
      poolId: pool.id,
      expects: INITIAL_EXPECTS[kind],
      controller: new AbortController(),
    };
    const opLogger = logger.child({
      op: kind,
      machineId: machine.id,
      host: machine.hostname,
      pool: pool.name,
    });
    const previousProblem = problems.get(machine.id);
    const ctx: OperationContext = {
      deps,
      op,
      logger: opLogger,
      ...(previousProblem ? { previousProblem } : {}),
    };
    const done = Promise.resolve()
      .then(() => run(ctx))
      .catch((err: unknown): OperationOutcome => {
        if (op.controller.signal.aborted) return "aborted";
        ctx.problem = messageOf(err);
        opLogger.warn("operation failed; retrying later", { err: ctx.problem });
        return "retry";
      })
      .then((outcome) => {
        running.delete(machine.id);
        if (outcome === "retry" && ctx.problem) problems.set(machine.id, ctx.problem);
        else if (outcome !== "retry") problems.delete(machine.id);
        deps.metrics.operation(pool.name, kind, outcome);
        settle(machine, kind, outcome);
        trigger();
      });
    running.set(machine.id, { op, done });
  }

  function settle(machine: AgentMachine, kind: OperationKind, outcome: OperationOutcome): void {
    const machineId = machine.id;
    const now = deps.clock.now().getTime();
    if (outcome === "conflict") {
      const seen = deps.store.view().machinesById.get(machineId);
      if (seen) staleVersions.set(machineId, seen.version);
      notBefore.set(machineId, now + maxRetryDelayMs);
      return;
    }
    if (outcome === "retry") {
      const n = (failures.get(machineId) ?? 0) + 1;
      failures.set(machineId, n);
      notBefore.set(machineId, now + Math.min(maxRetryDelayMs, FIRST_RETRY_DELAY_MS * 2 ** (n - 1)));
      return;
    }
    failures.delete(machineId);
    if (NODE_CHECKS.includes(kind)) notBefore.set(machineId, now + LABELS_INTERVAL_MS);
    else notBefore.delete(machineId);
  }

  /**
   * A new leader's first work: the bootstrap tokens earlier runs left (expired
   * ones, and the batches of former leaders, which ended with their
   * leadership) are deleted, so a dead leader's join tokens do not outlive it.
   */
  async function takeOver(): Promise<void> {
    try {
      const expired = await deps.tokens.deleteExpired();
      // every agent-made token but our live batches': a former leader's, or this pod's before a crash
      const orphaned = await deps.tokens.deleteOrphaned(liveTokens);
      if (expired + orphaned > 0) {
        logger.info("deleted bootstrap tokens left by earlier runs or leaders", { expired, orphaned });
      }
    } catch (err) {
      logger.warn("could not clean up bootstrap tokens left by earlier runs", { err: messageOf(err) });
    }
  }

  /** Leading: clean up, then look at everything. Not leading: the new leader resumes what runs here. */
  function onLeadership(leading: boolean): void {
    if (stopped) return;
    if (leading) {
      void takeOver().finally(trigger);
      return;
    }
    for (const { op } of running.values()) {
      op.controller.abort(new Error("this agent stopped leading; the new leader resumes the work"));
    }
  }

  return {
    async start() {
      if (!stopped) return;
      stopped = false;
      unsubscribe.push(deps.leadership.subscribe(onLeadership));
      if (deps.leadership.isLeader()) await takeOver();
      unsubscribe.push(deps.store.subscribe(trigger), deps.nodes.subscribe(trigger));
      timer = setInterval(trigger, deps.tickMs ?? DEFAULT_TICK_MS);
      timer.unref();
      trigger();
    },
    async stop(options: StopOptions = {}) {
      stopped = true;
      clearInterval(timer);
      for (const off of unsubscribe.splice(0)) off();
      // no new work from here; what runs may finish within the grace period (a step cut short
      // leaves the machine in its write-ahead status, from which the next leader resumes it)
      const inFlight = [...running.values()];
      const graceMs = options.graceMs ?? 0;
      if (inFlight.length > 0 && graceMs > 0) {
        logger.info("stopping: letting operations in flight finish", {
          operations: inFlight.map(({ op }) => ({ machineId: op.machineId, kind: op.kind })),
          graceMs,
        });
        await settled(inFlight, graceMs);
      }
      const left = [...running.values()];
      if (left.length === 0) return;
      logger.info("stopping: aborting operations in flight; the next leader resumes them", {
        operations: left.map(({ op }) => ({ machineId: op.machineId, kind: op.kind })),
      });
      for (const { op } of left) op.controller.abort(new Error("the agent is stopping"));
      await settled(left, STOP_WAIT_MS);
    },
    trigger,
    running: () => new Map([...running].map(([id, r]) => [id, r.op.kind])),
  };
}
