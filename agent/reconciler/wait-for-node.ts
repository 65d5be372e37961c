/**
 * Waits for the Node with a providerID to be Ready, from the informer's view
 * (no polling of the API server): resolves with it, or with null at the
 * deadline; rejects only when `signal` aborts.
 */
import type { Clock } from "../../shared/clock.ts";
import type { NodeInfo, NodeWatch } from "../kubernetes/types.ts";

export function waitForReadyNode(
  nodes: NodeWatch,
  providerId: string,
  deadline: number,
  clock: Clock,
  signal: AbortSignal,
): Promise<NodeInfo | null> {
  const ready = () => {
    const node = nodes.byProviderId(providerId);
    return node?.ready && !node.deleting ? node : undefined;
  };
  const now = ready();
  if (now) return Promise.resolve(now);
  if (signal.aborted) return Promise.reject(signal.reason);
  return new Promise((resolve, reject) => {
    const finish = (settle: () => void) => {
      unsubscribe();
      clearTimeout(timer);
      signal.removeEventListener("abort", onAbort);
      settle();
    };
    const onAbort = () => finish(() => reject(signal.reason));
    const unsubscribe = nodes.subscribe(() => {
      const node = ready();
      if (node) finish(() => resolve(node));
    });
    const timer = setTimeout(
      () => finish(() => resolve(ready() ?? null)),
      Math.max(0, deadline - clock.now().getTime()),
    );
    signal.addEventListener("abort", onAbort, { once: true });
  });
}
