/**
 * What the real API server does to a Lease on the way in
 * (pkg/apis/coordination/validation, metav1.MicroTime): acquireTime and
 * renewTime must be RFC 3339 with exactly six fractional digits, or decoding
 * fails (400; a plain JavaScript Date's three digits are refused), and are
 * stored in UTC; leaseDurationSeconds must be positive and leaseTransitions
 * not negative (422). Leases also refuse unconditional updates (registry.ts).
 */
import type { KubeObject } from "./kube-object.ts";
import { errors, type StatusCause } from "./status.ts";

const RFC3339_MICRO = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.(\d{6})(Z|[+-]\d{2}:\d{2})$/;
const MICRO_LAYOUT = "2006-01-02T15:04:05.000000Z07:00";

/** MicroTime's encoding: UTC with the six fractional digits given (a Date would keep only three). */
function microTime(text: string, fraction: string): string {
  return new Date(text).toISOString().replace(/\.\d{3}Z$/, `.${fraction}Z`);
}

export function normalizeLease(obj: KubeObject): void {
  const spec = obj.spec as Record<string, unknown> | undefined;
  if (!spec || typeof spec !== "object") return;
  for (const field of ["acquireTime", "renewTime"]) {
    const value = spec[field];
    if (value === undefined || value === null) continue;
    const micro = typeof value === "string" ? RFC3339_MICRO.exec(value) : null;
    if (!micro) {
      throw errors.badRequest(
        `Lease in version "v1" cannot be handled as a Lease: parsing time ${JSON.stringify(value)} as ` +
          `"${MICRO_LAYOUT}": cannot parse as RFC 3339 with microseconds`,
      );
    }
    spec[field] = microTime(value as string, micro[1]!);
  }
  const causes: StatusCause[] = [];
  const duration = spec.leaseDurationSeconds;
  if (typeof duration === "number" && duration <= 0) {
    causes.push({
      reason: "FieldValueInvalid",
      field: "spec.leaseDurationSeconds",
      message: `Invalid value: ${duration}: must be greater than 0`,
    });
  }
  const transitions = spec.leaseTransitions;
  if (typeof transitions === "number" && transitions < 0) {
    causes.push({
      reason: "FieldValueInvalid",
      field: "spec.leaseTransitions",
      message: `Invalid value: ${transitions}: must be greater than or equal to 0`,
    });
  }
  if (causes.length > 0) throw errors.invalid("Lease.coordination.k8s.io", obj.metadata?.name ?? "", causes);
}
