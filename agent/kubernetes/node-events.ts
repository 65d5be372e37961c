/**
 * Kubernetes Events on Nodes: what the agent did to a Node and why, where
 * `kubectl describe node` and `kubectl get events` show it. A Node is
 * cluster-scoped, so its Events live in the `default` namespace, as the
 * kubelet's own do. Recording one is best effort for callers: it rejects
 * with KubeError, and they log and go on.
 */
import type { CoreV1Api } from "@kubernetes/client-node";
import type { Clock } from "../../shared/clock.ts";
import type { Logger } from "../../shared/logger.ts";
import { kubeError } from "./kube-error.ts";
import type { NodeInfo } from "./types.ts";

export const NODE_EVENT_NAMESPACE = "default";
const COMPONENT = "ksp-agent";
const MAX_MESSAGE = 1024;

export interface NodeEvent {
  /** UpperCamelCase, e.g. "KspZombieNode" */
  reason: string;
  message: string;
  type: "Normal" | "Warning";
}

export interface NodeEvents {
  /** creates a core/v1 Event whose involvedObject is the Node */
  record(node: Pick<NodeInfo, "name" | "uid">, event: NodeEvent): Promise<void>;
}

export type EventsApi = Pick<CoreV1Api, "createNamespacedEvent">;

export function createNodeEvents(
  api: EventsApi,
  options: { identity: string; clock: Clock; logger: Logger },
): NodeEvents {
  const log = options.logger.child({ component: "node-events" });
  return {
    async record(node, event) {
      const now = options.clock.now();
      const message =
        event.message.length <= MAX_MESSAGE ? event.message : `${event.message.slice(0, MAX_MESSAGE - 1)}…`;
      try {
        await api.createNamespacedEvent({
          namespace: NODE_EVENT_NAMESPACE,
          body: {
            metadata: { generateName: `${node.name}.`, namespace: NODE_EVENT_NAMESPACE },
            involvedObject: { apiVersion: "v1", kind: "Node", name: node.name, uid: node.uid },
            reason: event.reason,
            message,
            type: event.type,
            count: 1,
            firstTimestamp: now,
            lastTimestamp: now,
            source: { component: COMPONENT },
            reportingComponent: COMPONENT,
            reportingInstance: options.identity,
          },
        });
      } catch (err) {
        throw kubeError(`cannot record event ${event.reason} on node ${node.name}`, err);
      }
      log.debug("node event recorded", { node: node.name, reason: event.reason });
    },
  };
}
