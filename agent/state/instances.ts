/**
 * How a machine's status reads to Cluster Autoscaler (issue 4 decisions):
 * reserved/joining → creating, ready → running, draining/leaving → deleting,
 * maintenance with the Node it kept → deleting too (below),
 * a fault that carries a provider id (a failed create or join, or a node
 * the health checks found broken: errorCode `unhealthy`) → creating with
 * errorInfo; anything else is not an instance at all.
 *
 * The errorInfo's class tells CA what the failure means for the group:
 * OutOfResources when the pool has no free machine left to try instead
 * (CA backs the group off at once rather than waiting out its node
 * provisioning time), Other when another machine could still join.
 */
import type { AgentMachine } from "../../proto/agent-api.ts";
import type { MachineState } from "../../proto/machine-states.ts";
import { providerIdFor } from "../../proto/provider-id.ts";
import { INSTANCE_ERROR_CLASS, type InstanceInfo } from "../cloud-provider/types.ts";

/** A Node exists for these. */
export const REGISTERED_STATES: readonly MachineState[] = ["ready", "draining", "leaving"];
/** Reserved for the cluster, but no Node yet: the only ones DecreaseTargetSize may cancel. */
export const UNREGISTERED_STATES: readonly MachineState[] = ["reserved", "joining"];
/** What NodeGroupTargetSize counts. */
export const TARGET_STATES: readonly MachineState[] = ["ready", "joining", "reserved"];

export const JOIN_FAILED_CODE = "join-failed";
export const UNHEALTHY_CODE = "unhealthy";
/** How the health checks (agent/health-checks/) begin a fault's reason, so CA is told `unhealthy`. */
export const HEALTH_REASON_PREFIX = "health: ";

/** The instance id, equal to the Node's spec.providerID; fixed at reservation. */
export function providerIdOf(machine: AgentMachine): string {
  return machine.providerId ?? providerIdFor(machine.id);
}

export interface PoolSupply {
  /** the pool has an `available` machine a scale-up could reserve */
  hasFreeMachine: boolean;
}

export function instanceOf(
  machine: AgentMachine,
  supply: PoolSupply = { hasFreeMachine: true },
): InstanceInfo | null {
  switch (machine.status) {
    case "reserved":
    case "joining":
      return { id: providerIdOf(machine), state: "creating" };
    case "ready":
      return { id: providerIdOf(machine), state: "running" };
    case "draining":
    case "leaving":
      return { id: providerIdOf(machine), state: "deleting" };
    case "maintenance":
      // Drained for maintenance, its Node kept (cordoned) until it is back in service. It reads
      // as it did while draining, so CA's picture does not change when the drain ends: the Node
      // still belongs to its node group (NodeGroupForNode), CA expects no registration for it
      // and counts it in no target size (TARGET_STATES), so a scale-up may replace its capacity
      // (the control plane's limits do not count it either), and the cordon keeps the scale-up
      // simulation from placing pods on it. A deleting instance is no scale-down candidate, and
      // NodeGroupDeleteNodes refuses it anyway (delete-nodes.ts): only the end of the
      // maintenance returns it. A machine that went to maintenance from the free inventory
      // has no provider id and no Node: no instance.
      return machine.providerId ? { id: machine.providerId, state: "deleting" } : null;
    case "fault":
      if (!machine.providerId) return null;
      return {
        id: machine.providerId,
        state: "creating",
        errorInfo: {
          errorCode: machine.statusReason?.startsWith(HEALTH_REASON_PREFIX)
            ? UNHEALTHY_CODE
            : JOIN_FAILED_CODE,
          errorMessage: machine.lastError ?? machine.statusReason ?? "the machine failed to join",
          instanceErrorClass: supply.hasFreeMachine
            ? INSTANCE_ERROR_CLASS.other
            : INSTANCE_ERROR_CLASS.outOfResources,
        },
      };
    default:
      return null;
  }
}
