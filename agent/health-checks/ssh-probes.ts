/**
 * SSH probes of the machines no Node speaks for: every `available` machine of
 * a pool, and every `fault` one of a pool with `autoRepair`, once per the
 * pool's `healthProbeIntervalSeconds` (a bare `echo` against the pinned host
 * key, MachineWork.probe), a few at a time, least recently probed first.
 *
 * - `healthFailureThreshold` failures in a row move a free machine to fault,
 *   with the last failure as the reason;
 * - as many passes in a row move an auto-repair pool's fault machine back to
 *   available, if no Node carries its providerID (a Node left behind would
 *   make it a zombie the moment it is free).
 *
 * What is not the machine's fault does not count either way: a run cut short
 * (the agent stopping, no SSH slot, the control plane unable to store a
 * host key) or an SSH key the agent cannot load (its key directory or the
 * control plane's key store is wrong, not the host). Stored keys are released
 * only for machines allocated to a cluster, so a free machine whose key is
 * stored only there is never probed: its probes do not count either way.
 */

import type { AgentMachine, AgentPool } from "../../proto/agent-api.ts";
import type { WorkFailure } from "../execution/types.ts";
import { providerIdOf } from "../reconciler/node-spec.ts";
import { HEALTH_REASON_PREFIX } from "../state/instances.ts";
import type { AgentView } from "../state/view.ts";
import { moveMachine } from "./move-machine.ts";
import { Streaks } from "./streaks.ts";
import type { HealthContext } from "./types.ts";

const DEFAULT_CONCURRENCY = 4;
/** the pipeline's own step timeout is 10 s; this bounds a probe stuck before it (connect, SSH slot) */
const PROBE_BUDGET_MS = 30_000;

export interface SshProbes {
  /** starts the probes that are due and fit; resolves each one's promise when it (and its transition) ended */
  pass(view: AgentView, now: number, signal: AbortSignal): Promise<void>[];
  reset(): void;
}

interface Candidate {
  machine: AgentMachine;
  pool: AgentPool;
  lastAt: number;
}

const COULD_NOT_RUN = "health probe could not run; not counted against the machine";

const describe = (f: WorkFailure) => `${f.step} (${f.errorClass}): ${f.message}`;

/** Not the host's doing: the run never got to it, or could not start for a reason of the agent's. */
const notTheMachine = (f: WorkFailure) => f.transient === true || f.step === "ssh.key";

export function createSshProbes(ctx: HealthContext): SshProbes {
  const { deps } = ctx;
  const streaks = new Streaks();
  const probing = new Set<string>();
  /** per machine, the last reason a probe could not run (logged at warn once, then at debug) */
  const unrunnable = new Map<string, string>();
  const concurrency = Math.max(1, deps.probeConcurrency ?? DEFAULT_CONCURRENCY);

  async function probe(candidate: Candidate, signal: AbortSignal): Promise<void> {
    const { machine, pool } = candidate;
    probing.add(machine.id);
    try {
      const outcome = await deps.work.probe(
        machine,
        AbortSignal.any([signal, AbortSignal.timeout(PROBE_BUDGET_MS)]),
      );
      if (signal.aborted) return;
      // the machine may have moved while the probe ran (reserved by a scale-up, restored…)
      const current = deps.store.view().machinesById.get(machine.id);
      if (!current || current.status !== machine.status || ctx.busy.has(machine.id)) return;
      if (outcome.ok) {
        unrunnable.delete(machine.id);
        await passed(current, pool);
        return;
      }
      const { failure } = outcome;
      if (notTheMachine(failure)) {
        // a free machine whose key is only in the control plane's store fails this way on every
        // interval: say it once per machine and reason, then only at debug
        const err = describe(failure);
        const repeated = unrunnable.get(machine.id) === err;
        unrunnable.set(machine.id, err);
        const fields = { machineId: machine.id, host: machine.hostname, err };
        if (repeated) ctx.logger.debug(COULD_NOT_RUN, fields);
        else ctx.logger.warn(COULD_NOT_RUN, fields);
        return;
      }
      unrunnable.delete(machine.id);
      deps.metrics.healthCheckFailure(pool.name, "ssh-probe");
      const streak = streaks.failed(current);
      const threshold = pool.lifecycle.healthFailureThreshold;
      ctx.logger.info("health probe failed", {
        machineId: machine.id,
        host: machine.hostname,
        pool: pool.name,
        status: current.status,
        failures: streak.failures,
        threshold,
        err: describe(failure),
      });
      if (current.status === "available" && streak.failures >= threshold) {
        await moveMachine(ctx, current, pool, {
          to: "fault",
          reason: `${HEALTH_REASON_PREFIX}ssh probe failed ${streak.failures} times in a row: ${describe(failure)}`,
          lastError: [describe(failure), failure.outputTail].filter((p) => p.trim() !== "").join("\n"),
        });
      }
    } finally {
      probing.delete(machine.id);
    }
  }

  async function passed(machine: AgentMachine, pool: AgentPool): Promise<void> {
    const streak = streaks.passed(machine);
    if (machine.status !== "fault") return;
    const threshold = pool.lifecycle.healthFailureThreshold;
    if (streak.passes < threshold) return;
    const node = deps.nodes.byProviderId(providerIdOf(machine));
    if (node) {
      ctx.logger.info("fault machine answers its probes but still has a Node; not repaired", {
        machineId: machine.id,
        node: node.name,
      });
      return;
    }
    await moveMachine(ctx, machine, pool, {
      to: "available",
      reason: `${HEALTH_REASON_PREFIX}auto-repaired: ssh probe passed ${streak.passes} times in a row`,
    });
  }

  return {
    pass(view, now, signal) {
      const candidates: Candidate[] = [];
      const watched = new Set<string>();
      const running = deps.running();
      for (const { pool, machines } of view.pools) {
        const intervalMs = pool.lifecycle.healthProbeIntervalSeconds * 1000;
        for (const machine of machines) {
          const probed =
            machine.status === "available" || (machine.status === "fault" && pool.lifecycle.autoRepair);
          if (!probed) continue;
          watched.add(machine.id);
          if (probing.has(machine.id) || ctx.busy.has(machine.id) || running.has(machine.id)) continue;
          if (!streaks.due(machine, now, intervalMs)) continue;
          candidates.push({ machine, pool, lastAt: streaks.of(machine).lastAt });
        }
      }
      streaks.retain(new Set([...watched, ...probing]));
      for (const id of unrunnable.keys()) if (!watched.has(id)) unrunnable.delete(id);
      const slots = Math.max(0, concurrency - probing.size);
      return candidates
        .sort((a, b) => a.lastAt - b.lastAt)
        .slice(0, slots)
        .map((candidate) => {
          streaks.started(candidate.machine, now);
          return probe(candidate, signal);
        });
    },
    reset() {
      streaks.clear();
      unrunnable.clear();
    },
  };
}
