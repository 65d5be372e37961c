/**
 * One guarded transition, reported before the work it announces (write-ahead)
 * or after the work it concludes, and applied to the local view as soon as
 * the control plane confirmed it. A refusal (stale_version,
 * illegal_transition, not_found) means someone else moved the machine: the
 * caller stops, it never retries into a conflict.
 *
 * Offline: a report the control plane could not take (unreachable, or 5xx
 * after the client's retries) goes to the transition queue when there is
 * one, and counts as done here: the view shows it at once and the operation
 * carries on; the sync loop sends it, still guarded, once the control plane
 * answers. Not the claim of a reserved machine (reserved → joining): that
 * one must reach the control plane before SSH touches the host. A machine
 * with reports waiting queues its next ones behind them, in order.
 */
import type { AgentMachine, TransitionItem } from "../../proto/agent-api.ts";
import { ControlPlaneError, isControlPlaneError } from "../control-plane/errors.ts";
import { appliedVersion, confirmedChange } from "../state/confirmed-transition.ts";
import type { ReconcilerDeps } from "./types.ts";

const REPORT_BUDGET_MS = 10_000;
const MAX_REASON = 1024;
const MAX_LAST_ERROR = 4096;

export type TransitionOutcome =
  | { ok: true; machine: AgentMachine }
  | { ok: false; code: string; message: string };

export const clip = (text: string, max: number): string =>
  text.length <= max ? text : `${text.slice(0, max - 1)}…`;

/**
 * Rejects only when the control plane could not be reached and the report
 * could not be queued (the operation is then retried later).
 */
export async function reportTransition(
  deps: Pick<ReconcilerDeps, "controlPlane" | "store" | "clock" | "requestSync" | "queue">,
  machine: AgentMachine,
  change: Pick<TransitionItem, "to" | "reason" | "lastError" | "nodeName">,
): Promise<TransitionOutcome> {
  const item: TransitionItem = {
    machineId: machine.id,
    from: machine.status,
    to: change.to,
    expectedVersion: machine.version,
    ...(change.reason !== undefined ? { reason: clip(change.reason, MAX_REASON) } : {}),
    ...(change.lastError !== undefined ? { lastError: clip(change.lastError, MAX_LAST_ERROR) } : {}),
    ...(change.nodeName !== undefined ? { nodeName: change.nodeName } : {}),
  };
  const queue = deps.queue;
  if (queue?.holds(machine.id)) {
    // the machine's earlier reports wait for the control plane: this one may not overtake them
    const waiting = new ControlPlaneError({
      kind: "unreachable",
      message: `earlier transitions of machine ${machine.id} wait for the control plane`,
    });
    if (isClaim(item)) throw waiting;
    return queued(queue, machine, item, waiting);
  }
  const deadline = new Date(deps.clock.now().getTime() + REPORT_BUDGET_MS);
  let answer: Awaited<ReturnType<ReconcilerDeps["controlPlane"]["transitions"]>>;
  try {
    answer = await deps.controlPlane.transitions([item], { deadline });
  } catch (err) {
    if (!queue || isClaim(item) || !unreachable(err)) throw err;
    return queued(queue, machine, item, err);
  }
  deps.requestSync();
  const result = answer.results.find((r) => r.machineId === machine.id);
  if (result === undefined) {
    return { ok: false, code: "internal", message: "the control plane did not answer for the machine" };
  }
  const version = appliedVersion(result, item.to);
  if (version === null) {
    const error = result.ok ? { code: "internal", message: "not applied" } : result.error;
    return { ok: false, code: error.code, message: error.message };
  }
  const local = confirmedChange(item, version, deps.clock.now());
  deps.store.applyLocal([local]);
  return { ok: true, machine: { ...machine, ...local.set, version } };
}

/** The write-ahead claim: SSH may touch the host only once the control plane has it. */
const isClaim = (item: TransitionItem): boolean => item.from === "reserved" && item.to === "joining";

/** Nothing known about the outcome, or the control plane failing: not a refusal of this report. */
function unreachable(err: unknown): boolean {
  return isControlPlaneError(err) && (err.kind === "unreachable" || (err.status ?? 0) >= 500);
}

async function queued(
  queue: NonNullable<ReconcilerDeps["queue"]>,
  machine: AgentMachine,
  item: TransitionItem,
  cause: unknown,
): Promise<TransitionOutcome> {
  const shown = await queue.enqueue(item);
  // full, or not persisted: as without a queue, the operation is retried later
  if (shown === null) throw cause;
  return { ok: true, machine: { ...machine, ...shown.set, version: shown.version } };
}
