/** The Worker's metrics (and tests'): nothing recorded, nothing exposed. */
import type { ControlPlaneMetrics } from "./types.ts";

export const noopMetrics: ControlPlaneMetrics = {
  httpRequest() {},
  jobRun() {},
  queueDecision() {},
  allocation() {},
  expose: async () => undefined,
};
