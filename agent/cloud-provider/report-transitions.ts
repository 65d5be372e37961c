/**
 * Sends the machine transitions a scale-down decided (write-ahead: the
 * control plane records them before anything happens to the hosts), applies
 * the confirmed ones to the view at once, and turns the refused ones into
 * one FailedPrecondition naming them. A refusal that only says "already
 * there" (a retry whose first answer was lost) counts as done.
 *
 * The agent's own reconciler moves machines too (reserved → joining, …), so
 * a view read a moment earlier can be one step behind. A stale_version
 * refusal names the machine's real status and version: `retarget` says what
 * the same intent means from there, and that is sent once more.
 */
import { MAX_TRANSITION_ITEMS, type TransitionItem, type TransitionResult } from "../../proto/agent-api.ts";
import { isMachineState, type MachineState } from "../../proto/machine-states.ts";
import { AgentError } from "../errors.ts";
import { appliedVersion, confirmedChange } from "../state/confirmed-transition.ts";
import type { LocalChange } from "../state/store.ts";
import { agentErrorFromControlPlane } from "./control-plane-errors.ts";
import { type MutationDeps, mutationDeadline } from "./mutation-deps.ts";
import type { RemovalTarget } from "./removal-target.ts";

interface Refusal {
  node: string;
  machineId: string;
  code: string;
  message: string;
}

/** The intent from the status the control plane says the machine is really in (see removal-target.ts). */
export type Retarget = (status: MachineState) => RemovalTarget;

/** `names`: machine id → how the node is named in messages. */
export async function reportTransitions(
  deps: MutationDeps,
  items: readonly TransitionItem[],
  names: ReadonlyMap<string, string>,
  what: string,
  deadline?: Date,
  retarget?: Retarget,
): Promise<void> {
  if (items.length === 0) return;
  const callDeadline = mutationDeadline(deps, deadline);
  const refusals: Refusal[] = [];
  try {
    const again: TransitionItem[] = [];
    await send(items, (item, actual) => {
      const to = retarget && actual ? retarget(actual.status) : null;
      if (to === "done") return true;
      if (to === null || !actual) return false;
      again.push({ ...item, from: actual.status, to, expectedVersion: actual.version });
      return true;
    });
    // once: a machine that moved again meanwhile is a refusal like any other
    if (again.length > 0) await send(again, () => false);
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

  /** `onStale` takes a stale refusal (true: handled), else it is a refusal. */
  async function send(
    list: readonly TransitionItem[],
    onStale: (item: TransitionItem, actual: { status: MachineState; version: number } | null) => boolean,
  ): Promise<void> {
    for (let start = 0; start < list.length; start += MAX_TRANSITION_ITEMS) {
      const batch = list.slice(start, start + MAX_TRANSITION_ITEMS);
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
        else if (!result.ok && !(result.error.code === "stale_version" && onStale(item, actualOf(result)))) {
          const node = names.get(result.machineId) ?? result.machineId;
          refusals.push({ node, machineId: result.machineId, ...result.error });
        }
      }
      deps.store.applyLocal(changes);
    }
  }
}

/** The status and version a stale_version refusal says the machine really has. */
function actualOf(result: TransitionResult): { status: MachineState; version: number } | null {
  const details = result.ok ? undefined : result.error.details;
  const status = details?.actualStatus;
  const version = details?.actualVersion;
  return isMachineState(status) && typeof version === "number" ? { status, version } : null;
}
