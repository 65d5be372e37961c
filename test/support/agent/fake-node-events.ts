/**
 * NodeEvents for agent tests: every Event recorded, in order, and a way to
 * make the next one fail as an API server refusing it would.
 */
import { KubeError } from "../../../agent/kubernetes/kube-error.ts";
import type { NodeEvent, NodeEvents } from "../../../agent/kubernetes/node-events.ts";
import type { NodeInfo } from "../../../agent/kubernetes/types.ts";

export interface RecordedNodeEvent extends NodeEvent {
  node: string;
  uid: string;
}

export class FakeNodeEvents implements NodeEvents {
  readonly recorded: RecordedNodeEvent[] = [];
  #failures = 0;

  /** the next `count` records reject (403, as without RBAC for events) */
  failNext(count = 1): void {
    this.#failures += count;
  }

  async record(node: Pick<NodeInfo, "name" | "uid">, event: NodeEvent): Promise<void> {
    if (this.#failures > 0) {
      this.#failures--;
      throw new KubeError(`cannot record event ${event.reason} on node ${node.name}: HTTP 403`, {
        status: 403,
        reason: "Forbidden",
      });
    }
    this.recorded.push({ node: node.name, uid: node.uid, ...event });
  }

  /** the events recorded on the Node named `name` */
  on(name: string): RecordedNodeEvent[] {
    return this.recorded.filter((e) => e.node === name);
  }
}
