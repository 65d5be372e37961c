/**
 * NodeGroupIncreaseSize: reserve `delta` machines through the control plane
 * under one request id, reused by every HTTP retry so a retry can never
 * reserve twice. The reserved machines enter the view before we return, so
 * CA's next TargetSize already counts them; joining them is someone else's
 * job (they show as creating until then).
 */
import { randomUUID } from "node:crypto";
import { MAX_ALLOCATION_DELTA } from "../../proto/agent-api.ts";
import { AgentError } from "../errors.ts";
import type { LocalChange } from "../state/store.ts";
import { agentErrorFromControlPlane } from "./control-plane-errors.ts";
import { requireGroup, requireInteger, requireLeader } from "./lookup.ts";
import { type MutationDeps, mutationDeadline } from "./mutation-deps.ts";
import { reportRefusal } from "./report-refusal.ts";

export async function increaseSize(
  deps: MutationDeps,
  groupId: string,
  delta: number,
  deadline?: Date,
): Promise<void> {
  const what = `IncreaseSize of node group "${groupId}" by ${delta}`;
  requireLeader(deps.leadership, what);
  const pool = requireGroup(deps.store.view(), groupId);
  requireInteger(delta, what);
  if (delta <= 0) throw new AgentError("invalid_argument", `${what}: delta must be positive`, { delta });
  if (delta > MAX_ALLOCATION_DELTA) {
    throw new AgentError("invalid_argument", `${what}: at most ${MAX_ALLOCATION_DELTA} machines per call`, {
      delta,
      limit: MAX_ALLOCATION_DELTA,
    });
  }
  const { targetSize } = pool;
  const { maxSize } = pool.pool;
  if (targetSize + delta > maxSize) {
    const room = Math.max(0, maxSize - targetSize);
    void reportRefusal(deps, {
      poolId: pool.pool.id,
      direction: "up",
      requested: delta,
      reasons: [
        {
          code: "max_size_reached",
          message: `target size ${targetSize} + ${delta} would exceed the maximum ${maxSize} (room for ${room})`,
          count: room,
        },
      ],
    });
    throw new AgentError(
      "invalid_argument",
      `${what}: target size ${targetSize} + ${delta} would exceed the maximum ${maxSize}`,
      { targetSize, delta, maxSize },
    );
  }
  const requestId = `ca-${randomUUID()}`;
  let answer: Awaited<ReturnType<MutationDeps["controlPlane"]["allocate"]>>;
  try {
    answer = await deps.controlPlane.allocate(
      { poolId: pool.pool.id, delta, requestId },
      { deadline: mutationDeadline(deps, deadline) },
    );
  } catch (err) {
    deps.logger.warn("scale-up failed", { group: groupId, delta, requestId, err });
    throw agentErrorFromControlPlane(err, what);
  }
  const now = deps.clock.now().toISOString();
  const changes: LocalChange[] = answer.machines.map((m) => ({
    machineId: m.id,
    version: m.version,
    set: {
      status: m.status,
      desiredState: "joined",
      providerId: m.providerId,
      poolId: pool.pool.id,
      hostname: m.hostname,
      ip: m.ip,
      ssh: m.ssh,
      hostKeyFingerprint: m.hostKeyFingerprint,
      labels: m.labels,
      taints: m.taints,
      statusReason: null,
      lastError: null,
      statusChangedAt: now,
    },
  }));
  deps.store.applyLocal(changes);
  deps.logger.info("scaled up", {
    group: groupId,
    delta,
    requestId,
    replayed: !answer.created,
    machines: answer.machines.map((m) => m.id),
  });
  deps.requestSync();
}
