/**
 * How `ksp pool status` prints a pool: its counts and bounds, then "why
 * didn't it scale": the last scale-up and scale-down decisions with their
 * reasons, and the machines holding it back (fault, backoff, failed joins).
 */
import type { Schema } from "../api.ts";
import { formatAge, renderFields, renderTable } from "../output.ts";

export type PoolStatus = Schema<"PoolStatus">;
export type Scaling = Schema<"PoolScaling">;
export type ScalingDecision = Schema<"ScalingDecision">;

function decisionLines(label: string, decision: ScalingDecision | null, now: number): string[] {
  if (!decision) return [`${label}: none recorded`];
  const head =
    `${label}: ${decision.outcome}, ${decision.granted} of ${decision.requested} granted ` +
    `(${decision.at}, ${formatAge(decision.at, now)} ago` +
    `${decision.repeats > 1 ? `; ${decision.repeats} times since ${decision.firstAt}` : ""})`;
  const reasons = decision.reasons.map(
    (reason) =>
      `  - ${reason.code}: ${reason.message}` +
      `${reason.count === undefined ? "" : ` (${reason.count} machine${reason.count === 1 ? "" : "s"})`}`,
  );
  return [head, ...reasons];
}

/** The "why didn't it scale" section. */
export function renderScaling(scaling: Scaling | undefined, now: number): string {
  // A control plane older than the CLI may not send it.
  if (!scaling) return "Why didn't it scale: not reported by this control plane\n";
  const lines = [
    "Why didn't it scale:",
    ...decisionLines("Last scale-up", scaling.lastScaleUp, now).map((line) => `  ${line}`),
    ...decisionLines("Last scale-down", scaling.lastScaleDown, now).map((line) => `  ${line}`),
  ];
  if (scaling.blockers.length === 0) return `${lines.join("\n")}\n  Blockers: none\n`;
  const table = renderTable(
    ["MACHINE", "KIND", "SINCE", "REASON"],
    scaling.blockers.map((b) => [b.machineName, b.kind, formatAge(b.since, now), b.reason]),
  )
    .split("\n")
    .filter((line) => line !== "")
    .map((line) => `    ${line}`);
  return `${lines.join("\n")}\n  Blockers:\n${table.join("\n")}\n`;
}

export function renderPoolStatus(
  status: Omit<PoolStatus, "scaling"> & { scaling?: Scaling },
  clusterName: string,
  now: number,
): string {
  const counts = Object.entries(status.counts)
    .filter(([, count]) => (count ?? 0) > 0)
    .map(([state, count]) => `${state} ${count}`);
  const fields = renderFields([
    ["Pool", `${clusterName}/${status.name}`],
    ["ID", status.poolId],
    ["Autoscaling", status.autoscalingEnabled ? "enabled" : "disabled"],
    ["Bounds", `min ${status.minSize}, max ${status.maxSize}`],
    ["Target", status.target],
    ["In use", status.inUse],
    ["Machines", counts.length === 0 ? "0" : `${status.total} (${counts.join(", ")})`],
  ]);
  const events =
    status.events.length === 0
      ? "Recent events: none\n"
      : `Recent events:\n${renderTable(
          ["AGE", "KIND", "STATUS", "MACHINE"],
          status.events
            .slice(0, 10)
            .map((e) => [formatAge(e.createdAt, now), e.kind, e.status, e.machineId ?? ""]),
        )
          .split("\n")
          .filter((line) => line !== "")
          .map((line) => `  ${line}`)
          .join("\n")}\n`;
  return `${fields}${renderScaling(status.scaling, now)}${events}`;
}
