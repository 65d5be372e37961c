/**
 * Machine health, beside the reconciler: every `tickMs` (2 s) a pass starts
 * the checks that are due —
 * - SSH probes of free machines (and of an auto-repair pool's fault ones), ssh-probes.ts;
 * - the Node Ready condition of ready machines, node-readiness.ts;
 * - the zombie guard over every Node with our providerID prefix, zombie-guard.ts —
 * each at its pool's `healthProbeIntervalSeconds`, with its own
 * consecutive-failure count against `healthFailureThreshold`.
 *
 * Only the leader checks, and only once the state is loaded and the Node
 * informer has listed (an empty view is not "every Node is gone"). A replica
 * that stops leading forgets its counts: whoever leads next starts afresh.
 * Probes and zombie removals run in the background; a pass never waits for
 * them, so one slow host does not hold up the others' checks.
 */
import { createNodeReadiness } from "./node-readiness.ts";
import { createSshProbes } from "./ssh-probes.ts";
import type { HealthChecks, HealthChecksDeps, HealthContext } from "./types.ts";
import { createZombieGuard } from "./zombie-guard.ts";

const DEFAULT_TICK_MS = 2_000;
const STOP_WAIT_MS = 10_000;

export function createHealthChecks(deps: HealthChecksDeps): HealthChecks {
  const ctx: HealthContext = {
    deps,
    logger: deps.logger.child({ component: "health-checks" }),
    busy: new Set(),
  };
  const probes = createSshProbes(ctx);
  const readiness = createNodeReadiness(ctx);
  const zombies = createZombieGuard(ctx);
  const inFlight = new Set<Promise<void>>();
  let controller = new AbortController();
  let timer: NodeJS.Timeout | undefined;
  /** the timer runs */
  let ticking = false;
  /** stop() was called: no pass runs any more, whether started by the timer or by a caller */
  let stopped = false;
  let scheduled = false;
  let leading = false;

  function track(work: Promise<void>[]): Promise<void> {
    for (const p of work) {
      inFlight.add(p);
      void p.finally(() => inFlight.delete(p));
    }
    return Promise.all(work).then(() => {});
  }

  function pass(): Promise<void> {
    if (stopped) return Promise.resolve();
    const leader = deps.leadership.isLeader();
    if (leader !== leading) {
      leading = leader;
      // counts and suspicions are a leader's: a new term starts without them
      probes.reset();
      readiness.reset();
      zombies.reset();
    }
    if (!leader || !deps.store.hasState() || !deps.nodes.synced()) return Promise.resolve();
    const view = deps.store.view();
    const now = deps.clock.now().getTime();
    const signal = controller.signal;
    return track([
      ...readiness.pass(view, now),
      ...probes.pass(view, now, signal),
      ...zombies.pass(view, now, signal),
    ]);
  }

  function trigger(): void {
    if (!ticking || scheduled) return;
    scheduled = true;
    setImmediate(() => {
      scheduled = false;
      void pass();
    });
  }

  return {
    start() {
      if (ticking) return;
      ticking = true;
      if (stopped) controller = new AbortController();
      stopped = false;
      timer = setInterval(trigger, deps.tickMs ?? DEFAULT_TICK_MS);
      timer.unref();
      trigger();
    },
    async stop() {
      ticking = false;
      stopped = true;
      clearInterval(timer);
      controller.abort(new Error("the agent is stopping"));
      let wait: NodeJS.Timeout | undefined;
      await Promise.race([
        Promise.allSettled([...inFlight]),
        new Promise((resolve) => {
          wait = setTimeout(resolve, STOP_WAIT_MS);
        }),
      ]);
      clearTimeout(wait);
    },
    trigger,
    pass,
  };
}
