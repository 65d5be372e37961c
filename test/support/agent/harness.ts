/**
 * An agent core over the fake control plane, started and synced, for
 * domain tests: `const h = await startFakeAgent({ pools, machines })`, then
 * `h.service`, `h.fake`, `h.leadership.leader = false`, `h.logs`.
 */
import { type AgentCore, createAgentCore } from "../../../agent/core.ts";
import type { AgentMachine, AgentPool } from "../../../proto/agent-api.ts";
import { createLogger } from "../../../shared/logger.ts";
import { FakeControlPlane } from "./fake-control-plane.ts";
import { SettableLeadership } from "./settable-leadership.ts";

export interface FakeAgent {
  fake: FakeControlPlane;
  core: AgentCore;
  service: AgentCore["service"];
  leadership: SettableLeadership;
  /** every log line written, parsed */
  logs: Record<string, unknown>[];
  stop(): Promise<void>;
}

export async function startFakeAgent(
  input: { pools?: AgentPool[]; machines?: AgentMachine[]; gpuLabel?: string; syncIntervalMs?: number } = {},
): Promise<FakeAgent> {
  const fake = new FakeControlPlane({ pools: input.pools ?? [], machines: input.machines ?? [] });
  const logs: Record<string, unknown>[] = [];
  const leadership = new SettableLeadership("agent-test-0");
  const core = createAgentCore({
    controlPlane: fake,
    clock: { now: () => new Date() },
    logger: createLogger({ level: "debug", sink: (line) => logs.push(JSON.parse(line)) }),
    leadership,
    gpuLabel: input.gpuLabel ?? "nvidia.com/gpu.product",
    // tests drive syncs through refresh(); the timer should not interfere
    syncIntervalMs: input.syncIntervalMs ?? 60_000,
  });
  await core.start();
  return { fake, core, service: core.service, leadership, logs, stop: () => core.stop() };
}
