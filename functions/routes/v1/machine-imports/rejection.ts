/**
 * A real all-or-nothing import with rows in error writes nothing: that is a
 * failed request (422 import_rejected), not a 200 to read `applied` from. The
 * answer is the standard error envelope, with the full per-row report beside
 * it, since `details` are clipped for size (http/error-map.ts) and a
 * 10,000-row file must still show every row's errors.
 */
import { ERROR_STATUS, errorEnvelope } from "../../../http/error-map.ts";
import type { ImportReport } from "../../../services/machine-import/import-machines.ts";

export const IMPORT_REJECTED_STATUS = ERROR_STATUS.import_rejected;

/** Dry runs and best-effort imports are answered 200 whatever their rows say. */
export function isRejected(report: ImportReport): boolean {
  return report.mode === "all-or-nothing" && !report.dryRun && !report.applied;
}

export function rejectionOf(report: ImportReport, requestId: string) {
  const { error, total } = report.summary;
  const message =
    `${error} of ${total} rows are in error, so nothing was written (mode all-or-nothing); ` +
    "every row's errors are in report.results. Fix them, or import with mode=best-effort.";
  return {
    ...errorEnvelope("import_rejected", message, requestId, { summary: report.summary }),
    report,
  };
}
