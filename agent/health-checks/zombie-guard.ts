/**
 * The zombie guard: a Node whose providerID has our prefix (ksp://<machine
 * id>) but whose machine is not a node of this cluster — unknown to our state
 * (free inventory, another cluster, deleted) or `available`, `maintenance`,
 * `archived` — is a kubelet that should not be running: left behind by a
 * reset that failed, or a host restored from an old image. Except a machine
 * in `maintenance` that kept its Node (it still has a node name or provider
 * id: drained for maintenance, the Node cordoned until it is back in
 * service); one that went there from the free inventory has neither.
 *
 * It must still look so at a pass `zombieConfirmMs` (10 s) after it was first
 * seen, so a state sync lagging behind a transition never makes one. Then it
 * is cordoned, a Warning Event `KspZombieNode` is recorded on it and logged,
 * and — for a free (`available`) machine of a pool whose `zombieAction` is
 * `remove` — the host is reset over SSH and the Node deleted (uid
 * precondition). During that the machine is held in `fault` (a guarded
 * transition, so no scale-up can reserve it while its host is being reset)
 * and goes back to `available` once both are done; a reset or delete that
 * fails leaves it in `fault` for an operator. Machines we cannot reach (not
 * ours, or not free) are only cordoned. Each Node (uid) is acted on once.
 */
import type { AgentMachine, AgentPool } from "../../proto/agent-api.ts";
import type { MachineState } from "../../proto/machine-states.ts";
import { PROVIDER_ID_PREFIX } from "../../proto/provider-id.ts";
import type { NodeInfo } from "../kubernetes/types.ts";
import { messageOf } from "../reconciler/operation-context.ts";
import { reportTransition } from "../reconciler/transitions.ts";
import type { AgentView } from "../state/view.ts";
import type { HealthContext } from "./types.ts";

export const ZOMBIE_EVENT_REASON = "KspZombieNode";
export const ZOMBIE_REMOVAL_FAILED_REASON = "KspZombieNodeRemovalFailed";
const DEFAULT_CONFIRM_MS = 10_000;
/** the statuses in which a machine has no business being a node of the cluster */
const NOT_A_NODE: readonly MachineState[] = ["available", "maintenance", "archived"];
const RESET_BUDGET_MS = 10 * 60_000;

/** In maintenance with the Node it had in the cluster: drained and cordoned, not a zombie. */
const keptItsNode = (machine: AgentMachine): boolean =>
  machine.status === "maintenance" && (machine.nodeName !== null || machine.providerId !== null);

export interface ZombieGuard {
  /** looks at every Node; resolves each action's promise when it ended */
  pass(view: AgentView, now: number, signal: AbortSignal): Promise<void>[];
  reset(): void;
}

interface Zombie {
  node: NodeInfo & { providerId: string };
  machineId: string;
  /** undefined: unknown to this cluster's state */
  machine: AgentMachine | undefined;
  pool: AgentPool | undefined;
}

function describe(z: Zombie): string {
  if (!z.machine) return `machine ${z.machineId} is not a machine of this cluster`;
  return `machine ${z.machine.hostname} (${z.machineId}) is ${z.machine.status}`;
}

export function createZombieGuard(ctx: HealthContext): ZombieGuard {
  const { deps } = ctx;
  const confirmMs = deps.zombieConfirmMs ?? DEFAULT_CONFIRM_MS;
  /** Node uid → when it was first seen as a zombie */
  const suspects = new Map<string, number>();
  /** Node uids acted on (or being acted on): never twice */
  const handled = new Set<string>();

  async function act(z: Zombie, signal: AbortSignal): Promise<void> {
    const { node } = z;
    const fields = { node: node.name, providerId: node.providerId, machineId: z.machineId };
    if (!deps.leadership.isLeader()) {
      handled.delete(node.uid);
      return;
    }
    try {
      await deps.nodeOps.cordon(node.name);
    } catch (err) {
      // not handled: looked at again (and confirmed again) at a later pass
      handled.delete(node.uid);
      ctx.logger.warn("could not cordon a zombie node", { ...fields, err: messageOf(err) });
      return;
    }
    deps.metrics.zombieNode("cordoned");
    const removing =
      z.machine?.status === "available" && z.pool !== undefined && z.pool.lifecycle.zombieAction === "remove";
    const message =
      `node ${node.name} has providerID ${node.providerId}, but ${describe(z)}: cordoned` +
      (removing ? "; the agent resets the host and deletes the node" : "");
    ctx.logger.warn("zombie node cordoned", { ...fields, status: z.machine?.status ?? null, removing });
    await record(node, { reason: ZOMBIE_EVENT_REASON, message, type: "Warning" });
    if (removing && z.machine && z.pool && deps.leadership.isLeader()) {
      await remove(node, z.machine, z.pool, signal);
    }
  }

  async function remove(
    node: Zombie["node"],
    machine: AgentMachine,
    pool: AgentPool,
    signal: AbortSignal,
  ): Promise<void> {
    const fields = { node: node.name, machineId: machine.id, host: machine.hostname, pool: pool.name };
    ctx.busy.add(machine.id);
    try {
      // held in fault meanwhile: a scale-up must not reserve a host that is being reset
      const claim = await reportTransition(deps, machine, {
        to: "fault",
        reason:
          `zombie: node ${node.name} registered with this free machine's providerID; resetting the host ` +
          "(the machine stays in fault if that fails)",
      });
      if (!claim.ok) {
        ctx.logger.info("zombie node left cordoned: its machine moved meanwhile", {
          ...fields,
          code: claim.code,
          err: claim.message,
        });
        return;
      }
      const timeoutMs = Math.min(pool.lifecycle.resetTimeoutSeconds * 1000, RESET_BUDGET_MS);
      const reset = await deps.work.reset(
        {
          machine: claim.machine,
          poolName: pool.name,
          nodeName: node.name,
          providerId: node.providerId,
          hooks: pool.hooks,
        },
        AbortSignal.any([signal, AbortSignal.timeout(timeoutMs)]),
      );
      if (signal.aborted) {
        ctx.logger.warn(
          "zombie removal cut short: the agent is stopping; its machine stays in fault",
          fields,
        );
        return;
      }
      if (!reset.ok) {
        const err = `${reset.failure.step} (${reset.failure.errorClass}): ${reset.failure.message}`;
        ctx.logger.warn("could not reset the host of a zombie node; its machine stays in fault", {
          ...fields,
          err,
        });
        await record(node, {
          reason: ZOMBIE_REMOVAL_FAILED_REASON,
          message: `resetting host ${machine.hostname} failed: ${err}; machine left in fault`,
          type: "Warning",
        });
        return;
      }
      try {
        await deps.nodeOps.delete(node.name, { uid: node.uid });
      } catch (err) {
        ctx.logger.warn("could not delete a zombie node; its machine stays in fault", {
          ...fields,
          err: messageOf(err),
        });
        return;
      }
      deps.metrics.zombieNode("removed");
      ctx.logger.warn("zombie node removed: host reset, node deleted", fields);
      const back = await reportTransition(deps, claim.machine, {
        to: "available",
        reason: `zombie: host reset and node ${node.name} deleted`,
      });
      if (!back.ok) {
        ctx.logger.warn("could not return the machine of a removed zombie node to available", {
          ...fields,
          code: back.code,
          err: back.message,
        });
      }
    } catch (err) {
      ctx.logger.warn("zombie removal stopped: the control plane could not be reached", {
        ...fields,
        err: messageOf(err),
      });
    } finally {
      ctx.busy.delete(machine.id);
    }
  }

  async function record(node: NodeInfo, event: Parameters<typeof deps.events.record>[1]): Promise<void> {
    try {
      await deps.events.record(node, event);
    } catch (err) {
      ctx.logger.warn("could not record an event on a node", {
        node: node.name,
        reason: event.reason,
        err: messageOf(err),
      });
    }
  }

  function zombieOf(node: NodeInfo, view: AgentView): Zombie | null {
    const providerId = node.providerId;
    if (node.deleting || !providerId?.startsWith(PROVIDER_ID_PREFIX)) return null;
    const machineId = providerId.slice(PROVIDER_ID_PREFIX.length);
    const machine = view.machinesById.get(machineId);
    if (machine && !NOT_A_NODE.includes(machine.status)) return null;
    if (machine && keptItsNode(machine)) return null;
    if (deps.running().has(machineId) || ctx.busy.has(machineId)) return null;
    const pool = machine?.poolId ? view.poolsById.get(machine.poolId)?.pool : undefined;
    return { node: { ...node, providerId }, machineId, machine, pool };
  }

  return {
    pass(view, now, signal) {
      const actions: Promise<void>[] = [];
      const live = new Set<string>();
      for (const node of deps.nodes.list()) {
        live.add(node.uid);
        if (handled.has(node.uid)) continue;
        const zombie = zombieOf(node, view);
        if (!zombie) {
          suspects.delete(node.uid);
          continue;
        }
        const since = suspects.get(node.uid);
        if (since === undefined) {
          suspects.set(node.uid, now);
          ctx.logger.info("node looks like a zombie; confirming", {
            node: node.name,
            providerId: zombie.node.providerId,
            status: zombie.machine?.status ?? null,
          });
          continue;
        }
        if (now - since < confirmMs) continue;
        suspects.delete(node.uid);
        handled.add(node.uid);
        actions.push(act(zombie, signal));
      }
      for (const uid of suspects.keys()) if (!live.has(uid)) suspects.delete(uid);
      for (const uid of handled) if (!live.has(uid)) handled.delete(uid);
      return actions;
    },
    reset() {
      suspects.clear();
    },
  };
}
