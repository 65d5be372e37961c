/**
 * The lifecycle reconciler over test doubles that follow the real rules:
 * the fake control plane (guarded transitions), FakeKube (Nodes, drain,
 * tokens, discovery) and FakeMachineWork (hosts), on a real agent core and
 * state store. Ticks are fast and retries short so tests run in
 * milliseconds; `until` waits for a condition or fails with what it saw.
 */
import { afterEach } from "vitest";
import type { LifecycleMetrics } from "../../../agent/metrics.ts";
import { createReconciler, type Reconciler } from "../../../agent/reconciler/reconciler.ts";
import type { ReconcilerDeps } from "../../../agent/reconciler/types.ts";
import type { AgentMachine, AgentPool, TransitionItem } from "../../../proto/agent-api.ts";
import { createLogger } from "../../../shared/logger.ts";
import { waitFor } from "../eventually.ts";
import { FakeKube } from "./fake-kube.ts";
import { FakeMachineWork } from "./fake-machine-work.ts";
import { type FakeAgent, startFakeAgent } from "./harness.ts";

export interface RecordedMetrics extends LifecycleMetrics {
  operations: { pool: string; kind: string; outcome: string }[];
  joins: number[];
  drains: number[];
}

export interface ReconcilerHarness extends FakeAgent {
  kube: FakeKube;
  work: FakeMachineWork;
  reconciler: Reconciler;
  metrics: RecordedMetrics;
  /** polls `check` until it holds (default 5 s), then resolves; rejects with `what` and the last value seen */
  until<T>(what: string, check: () => T | undefined | false, timeoutMs?: number): Promise<T>;
}

function recordingMetrics(): RecordedMetrics {
  const m: RecordedMetrics = {
    operations: [],
    joins: [],
    drains: [],
    operation: (pool, kind, outcome) => m.operations.push({ pool, kind, outcome }),
    joinSeconds: (_pool, seconds) => m.joins.push(seconds),
    drainSeconds: (_pool, seconds) => m.drains.push(seconds),
    sshError: () => {},
  };
  return m;
}

export async function startReconcilerHarness(input: {
  pools: AgentPool[];
  machines: AgentMachine[];
  deps?: Partial<ReconcilerDeps>;
  prepare?: (kube: FakeKube, work: FakeMachineWork) => void;
  /** start as a follower */
  follower?: boolean;
}): Promise<ReconcilerHarness> {
  const agent = await startFakeAgent({ pools: input.pools, machines: input.machines, syncIntervalMs: 50 });
  agent.leadership.leader = input.follower !== true;
  const kube = new FakeKube({ identity: "agent-test-0" });
  const work = new FakeMachineWork(kube);
  input.prepare?.(kube, work);
  await kube.nodeInformer.start();
  const metrics = recordingMetrics();
  const reconciler = createReconciler({
    store: agent.core.store,
    controlPlane: agent.fake,
    nodes: kube.nodeInformer,
    nodeOps: kube.nodeOperations,
    tokens: kube.bootstrapTokens,
    discovery: kube.discovery,
    work,
    leadership: agent.leadership,
    clock: { now: () => new Date() },
    logger: createLogger({ level: "debug", sink: (line) => agent.logs.push(JSON.parse(line)) }),
    metrics,
    requestSync: agent.core.requestSync,
    tickMs: 20,
    maxRetryDelayMs: 100,
    ...input.deps,
  });
  await reconciler.start();
  return {
    ...agent,
    kube,
    work,
    reconciler,
    metrics,
    until: (what, check, timeoutMs = 5_000) => waitFor(what, check, timeoutMs, 5),
    async stop() {
      await reconciler.stop();
      await kube.nodeInformer.stop();
      await agent.stop();
    },
  };
}

/** For a test file: a `start` that stops every harness it started after each test. */
export function reconcilerHarnesses(): (
  input: Parameters<typeof startReconcilerHarness>[0],
) => Promise<ReconcilerHarness> {
  const started: ReconcilerHarness[] = [];
  afterEach(async () => {
    await Promise.all(started.splice(0).map((h) => h.stop()));
  });
  return async (input) => {
    const h = await startReconcilerHarness(input);
    started.push(h);
    return h;
  };
}

/** Every transition the agent sent the control plane, in order. */
export const sentTransitions = (h: ReconcilerHarness): TransitionItem[] =>
  h.fake.calls.filter((c) => c.method === "transitions").flatMap((c) => c.args as TransitionItem[]);
