/** Coloured tags for machine states, cluster health and API server checks, with the same colours in charts. */
import { Tag } from "antd";
import type { MachineState } from "../../../proto/machine-states.ts";

// The one state table (also the database's and the agent's); re-exported for the console's views.
export { MACHINE_STATES, type MachineState } from "../../../proto/machine-states.ts";

export const STATE_COLOURS: Record<MachineState, string> = {
  available: "#52c41a",
  reserved: "#13c2c2",
  joining: "#1677ff",
  ready: "#2f54eb",
  draining: "#fa8c16",
  leaving: "#faad14",
  fault: "#f5222d",
  maintenance: "#722ed1",
  archived: "#8c8c8c",
};

const HEALTH_COLOURS: Record<string, string> = {
  healthy: "green",
  degraded: "orange",
  offline: "red",
  unknown: "default",
  // an API server's last check through its kubeconfig (healthy and degraded as above)
  unreachable: "red",
  unauthorized: "magenta",
  unchecked: "default",
  active: "green",
  pending: "blue",
  enabled: "green",
  disabled: "default",
};

export function StatusTag({ status }: { status: string }) {
  const colour = STATE_COLOURS[status as MachineState] ?? HEALTH_COLOURS[status] ?? "default";
  return <Tag color={colour}>{status}</Tag>;
}
