/**
 * The health checks over the same test doubles as the reconciler's harness
 * (fake control plane with guarded transitions, FakeKube, FakeMachineWork)
 * plus recorded Node events and metrics, on a clock the test moves: passes
 * are run by hand (`h.pass()`), `h.advance(ms)` between them, so a test of a
 * 60 s interval takes milliseconds.
 */
import { afterEach } from "vitest";
import { createHealthChecks } from "../../../agent/health-checks/health-checks.ts";
import type { HealthChecks, HealthChecksDeps } from "../../../agent/health-checks/types.ts";
import type { HaMetrics } from "../../../agent/metrics.ts";
import type { AgentMachine, AgentPool, TransitionItem } from "../../../proto/agent-api.ts";
import { createLogger } from "../../../shared/logger.ts";
import { FakeKube } from "./fake-kube.ts";
import { FakeMachineWork } from "./fake-machine-work.ts";
import { FakeNodeEvents } from "./fake-node-events.ts";
import { type FakeAgent, startFakeAgent } from "./harness.ts";

export type HealthMetrics = Pick<HaMetrics, "healthCheckFailure" | "healthTransition" | "zombieNode"> & {
  failures: { pool: string; check: string }[];
  transitions: { pool: string; to: string }[];
  zombies: string[];
};

export interface HealthHarness extends FakeAgent {
  kube: FakeKube;
  work: FakeMachineWork;
  events: FakeNodeEvents;
  health: HealthChecks;
  metrics: HealthMetrics;
  /** what the reconciler would report as running (machine id → kind) */
  running: Map<string, string>;
  /** moves the clock the health checks read */
  advance(ms: number): void;
  /** one pass at the current time, awaited with everything it started */
  pass(): Promise<void>;
  /** the machine as the control plane has it */
  machine(id: string): AgentMachine;
}

function recordingMetrics(): HealthMetrics {
  const m: HealthMetrics = {
    failures: [],
    transitions: [],
    zombies: [],
    healthCheckFailure: (pool, check) => m.failures.push({ pool, check }),
    healthTransition: (pool, to) => m.transitions.push({ pool, to }),
    zombieNode: (action) => m.zombies.push(action),
  };
  return m;
}

export async function startHealthHarness(input: {
  pools: AgentPool[];
  machines: AgentMachine[];
  prepare?: (kube: FakeKube, work: FakeMachineWork) => void;
  deps?: Partial<HealthChecksDeps>;
}): Promise<HealthHarness> {
  const agent = await startFakeAgent({ pools: input.pools, machines: input.machines });
  const kube = new FakeKube({ identity: "agent-test-0" });
  const work = new FakeMachineWork(kube);
  input.prepare?.(kube, work);
  await kube.nodeInformer.start();
  const events = new FakeNodeEvents();
  const metrics = recordingMetrics();
  const running = new Map<string, string>();
  let now = Date.parse("2026-03-01T00:00:00Z");
  const health = createHealthChecks({
    store: agent.core.store,
    controlPlane: agent.fake,
    nodes: kube.nodeInformer,
    nodeOps: kube.nodeOperations,
    events,
    work,
    leadership: agent.leadership,
    clock: { now: () => new Date(now) },
    logger: createLogger({ level: "debug", sink: (line) => agent.logs.push(JSON.parse(line)) }),
    metrics,
    requestSync: agent.core.requestSync,
    running: () => running,
    ...input.deps,
  });
  return {
    ...agent,
    kube,
    work,
    events,
    health,
    metrics,
    running,
    advance(ms) {
      now += ms;
    },
    pass: () => health.pass(),
    machine: (id) => agent.fake.machine(id),
    async stop() {
      await health.stop();
      await kube.nodeInformer.stop();
      await agent.stop();
    },
  };
}

/** For a test file: a `start` that stops every harness it started after each test. */
export function healthHarnesses(): (
  input: Parameters<typeof startHealthHarness>[0],
) => Promise<HealthHarness> {
  const started: HealthHarness[] = [];
  afterEach(async () => {
    await Promise.all(started.splice(0).map((h) => h.stop()));
  });
  return async (input) => {
    const h = await startHealthHarness(input);
    started.push(h);
    return h;
  };
}

/** Every transition the agent sent the control plane, in order. */
export const sentTransitions = (h: HealthHarness): TransitionItem[] =>
  h.fake.calls.filter((c) => c.method === "transitions").flatMap((c) => c.args as TransitionItem[]);
