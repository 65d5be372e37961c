/**
 * One guarded transition, reported before the work it announces (write-ahead)
 * or after the work it concludes, and applied to the local view as soon as
 * the control plane confirmed it. A refusal (stale_version,
 * illegal_transition, not_found) means someone else moved the machine: the
 * caller stops, it never retries into a conflict.
 */
import type { AgentMachine, TransitionItem } from "../../proto/agent-api.ts";
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

/** Rejects only when the control plane could not be reached (the operation is then retried later). */
export async function reportTransition(
  deps: Pick<ReconcilerDeps, "controlPlane" | "store" | "clock" | "requestSync">,
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
  const deadline = new Date(deps.clock.now().getTime() + REPORT_BUDGET_MS);
  const answer = await deps.controlPlane.transitions([item], { deadline });
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
