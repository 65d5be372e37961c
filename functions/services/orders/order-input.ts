/**
 * Input rules shared by the order-creating services, enforced whatever the
 * transport checked: each refusal is a 400 naming the field.
 */
import { AppError } from "../../lib/errors.ts";
import type { ServiceContext } from "../context.ts";
import { resolveMachineRef } from "../refs/resolve-refs.ts";
import type { OrderScope } from "./order-view.ts";

export const MAX_ORDER_MACHINES = 100;
export const ORDER_REASON_MAX = 1000;
export const TICKET_ID_MAX = 200;

export interface MaintenanceWindowInput {
  start: string;
  end: string;
}

function invalid(path: string, message: string): AppError {
  return new AppError("validation_failed", `${path}: ${message}`, { path });
}

/** The window's two ends as dates; end after start. */
export function parseWindow(window: MaintenanceWindowInput | null | undefined): {
  maintenanceWindowStart: Date | null;
  maintenanceWindowEnd: Date | null;
} {
  if (!window) return { maintenanceWindowStart: null, maintenanceWindowEnd: null };
  const start = new Date(window.start);
  const end = new Date(window.end);
  if (Number.isNaN(start.getTime()))
    throw invalid("maintenanceWindow.start", "must be an ISO 8601 date-time");
  if (Number.isNaN(end.getTime())) throw invalid("maintenanceWindow.end", "must be an ISO 8601 date-time");
  if (end <= start) throw invalid("maintenanceWindow.end", "must be after maintenanceWindow.start");
  return { maintenanceWindowStart: start, maintenanceWindowEnd: end };
}

export function checkText(path: string, value: string | null | undefined, max: number): void {
  if (value === undefined || value === null) return;
  if (value.trim() === "" || value.length > max)
    throw invalid(path, `must be 1-${max} characters and not blank`);
}

/** Machine ids or hostnames, resolved inside what the caller may see; none twice. */
export async function resolveMachines(
  ctx: ServiceContext,
  refs: readonly string[],
  scope: OrderScope,
): Promise<string[]> {
  if (refs.length === 0 || refs.length > MAX_ORDER_MACHINES) {
    throw invalid("machineIds", `must name 1-${MAX_ORDER_MACHINES} machines`);
  }
  const ids: string[] = [];
  for (const ref of refs) ids.push(await resolveMachineRef(ctx, ref, scope));
  const seen = new Set<string>();
  ids.forEach((id, i) => {
    if (seen.has(id)) throw invalid(`machineIds[${i}]`, `names machine ${refs[i]} a second time`);
    seen.add(id);
  });
  return ids;
}
