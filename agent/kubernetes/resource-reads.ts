/**
 * ResourceReads over client-node: the pods' requests per Node from one
 * paged, field-selected list of every namespace's pods (what the scheduler
 * counts: bound, not finished), and each Node's usage from metrics-server's
 * NodeMetrics (metrics.k8s.io/v1beta1).
 *
 * A cluster without metrics-server answers 404 for the group (nothing is
 * registered), one whose metrics-server is down 503 (the aggregator cannot
 * reach it): both mean "no usage figures", not a failure, so they answer
 * null. Anything else rejects with a KubeError.
 */
import { CoreV1Api, CustomObjectsApi, type KubeConfig } from "@kubernetes/client-node";
import { kubeError } from "./kube-error.ts";
import { holdsNodeResources, podRequests } from "./pod-requests.ts";
import { cpuAndMemory } from "./quantity.ts";
import type { ResourceAmounts, ResourceReads } from "./types.ts";

export interface ResourceReadsApis {
  core: Pick<CoreV1Api, "listPodForAllNamespaces">;
  customObjects: Pick<CustomObjectsApi, "listClusterCustomObject">;
}

/** Pods per page: a large cluster's list never arrives as one huge answer. */
const POD_PAGE_SIZE = 500;
/** The server filters; holdsNodeResources checks again, for a server that ignores a selector. */
const BOUND_NOT_FINISHED = "spec.nodeName!=,status.phase!=Succeeded,status.phase!=Failed";
const NODE_METRICS = { group: "metrics.k8s.io", version: "v1beta1", plural: "nodes" };
/** No metrics API: not registered (404), or registered and unreachable (503). */
const NO_METRICS_STATUSES = new Set([404, 503]);

interface NodeMetricsList {
  items?: { metadata?: { name?: string }; usage?: { [resource: string]: string } }[];
}

const add = (into: Map<string, ResourceAmounts>, node: string, amounts: ResourceAmounts) => {
  const sum = into.get(node);
  into.set(
    node,
    sum
      ? { cpuMillis: sum.cpuMillis + amounts.cpuMillis, memoryBytes: sum.memoryBytes + amounts.memoryBytes }
      : { ...amounts },
  );
};

export function resourceReadsOver(apis: ResourceReadsApis): ResourceReads {
  return {
    async podRequestsByNode() {
      const byNode = new Map<string, ResourceAmounts>();
      let next: string | undefined;
      do {
        let page: Awaited<ReturnType<CoreV1Api["listPodForAllNamespaces"]>>;
        try {
          page = await apis.core.listPodForAllNamespaces({
            fieldSelector: BOUND_NOT_FINISHED,
            limit: POD_PAGE_SIZE,
            ...(next ? { _continue: next } : {}),
          });
        } catch (err) {
          throw kubeError("cannot list pods", err);
        }
        for (const pod of page.items) {
          if (holdsNodeResources(pod)) add(byNode, pod.spec!.nodeName!, podRequests(pod));
        }
        next = page.metadata?._continue || undefined;
      } while (next);
      return byNode;
    },

    async nodeUsage() {
      let list: NodeMetricsList;
      try {
        list = (await apis.customObjects.listClusterCustomObject(NODE_METRICS)) as NodeMetricsList;
      } catch (err) {
        const failure = kubeError("cannot list node metrics", err);
        if (failure.status !== undefined && NO_METRICS_STATUSES.has(failure.status)) return null;
        throw failure;
      }
      const byNode = new Map<string, ResourceAmounts>();
      for (const item of list.items ?? []) {
        const name = item.metadata?.name;
        if (name) byNode.set(name, cpuAndMemory(item.usage));
      }
      return byNode;
    },
  };
}

export function createResourceReads(kubeConfig: KubeConfig): ResourceReads {
  return resourceReadsOver({
    core: kubeConfig.makeApiClient(CoreV1Api),
    customObjects: kubeConfig.makeApiClient(CustomObjectsApi),
  });
}
