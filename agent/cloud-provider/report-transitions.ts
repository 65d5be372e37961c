/**
 * Sends the machine transitions a scale-down decided (write-ahead: the
 * control plane records them before anything happens to the hosts), applies
 * the confirmed ones to the view at once, and turns the refused ones into
 * one FailedPrecondition naming them. A refusal that only says "already
 * there" (a retry whose first answer was lost) counts as done.
 */
import { MAX_TRANSITION_ITEMS, type TransitionItem } from "../../proto/agent-api.ts";
import { AgentError } from "../errors.ts";
import { appliedVersion, confirmedChange } from "../state/confirmed-transition.ts";
import type { LocalChange } from "../state/store.ts";
import { agentErrorFromControlPlane } from "./control-plane-errors.ts";
import { type MutationDeps, mutationDeadline } from "./mutation-deps.ts";

interface Refusal {
  node: string;
  machineId: string;
  code: string;
  message: string;
}

/** `names`: machine id → how the node is named in messages. */
export async function reportTransitions(
  deps: MutationDeps,
  items: readonly TransitionItem[],
  names: ReadonlyMap<string, string>,
  what: string,
  deadline?: Date,
): Promise<void> {
  if (items.length === 0) return;
  const callDeadline = mutationDeadline(deps, deadline);
  const refusals: Refusal[] = [];
  try {
    for (let start = 0; start < items.length; start += MAX_TRANSITION_ITEMS) {
      const batch = items.slice(start, start + MAX_TRANSITION_ITEMS);
      let answer: Awaited<ReturnType<MutationDeps["controlPlane"]["transitions"]>>;
      try {
        answer = await deps.controlPlane.transitions(batch, { deadline: callDeadline });
      } catch (err) {
        throw agentErrorFromControlPlane(err, what);
      }
      const byId = new Map(batch.map((item) => [item.machineId, item]));
      const changes: LocalChange[] = [];
      for (const result of answer.results) {
        const item = byId.get(result.machineId);
        if (!item) continue;
        const applied = appliedVersion(result, item.to);
        if (applied !== null) changes.push(confirmedChange(item, applied, deps.clock.now()));
        else if (!result.ok) {
          const node = names.get(result.machineId) ?? result.machineId;
          refusals.push({ node, machineId: result.machineId, ...result.error });
        }
      }
      deps.store.applyLocal(changes);
    }
  } finally {
    deps.requestSync();
  }
  if (refusals.length > 0) {
    const list = refusals.map((r) => `${r.node} (${r.code}: ${r.message})`).join("; ");
    throw new AgentError(
      "failed_precondition",
      `${what}: the control plane refused ${refusals.length} of ${items.length} machines: ${list}`,
      { refused: refusals.map(({ node, machineId, code }) => ({ node, machineId, code })) },
    );
  }
}
