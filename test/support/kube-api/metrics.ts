/**
 * metrics.k8s.io/v1beta1 NodeMetrics, as metrics-server serves them through
 * the API aggregator: read-only (get, list), computed rather than stored, and
 * only for Nodes it has scraped (here: Nodes that exist and were given a
 * usage). Three states, as a cluster can be in:
 *
 * - "absent": no metrics-server (a bare kubeadm cluster, the default): the
 *   group is not discovered and its paths are the server's plain 404;
 * - "serving": discovered, and NodeMetrics answer;
 * - "unavailable": the APIService is registered but metrics-server is down:
 *   the group is still discovered, every request is 503 ServiceUnavailable.
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import { apiGroupList } from "./discovery.ts";
import { sendJson } from "./http-io.ts";
import type { KubeObject, ResourceDef } from "./registry.ts";
import { parseFieldSelector, parseLabelSelector } from "./selectors.ts";
import { errors, KubeApiError } from "./status.ts";
import type { KubeStore } from "./store.ts";

export type MetricsAvailability = "absent" | "serving" | "unavailable";

/** Quantities as metrics-server writes them, e.g. cpu "250m" or "123456789n", memory "1048576Ki". */
export interface NodeUsage {
  cpu: string;
  memory: string;
}

const GROUP = "metrics.k8s.io";
const VERSION = "v1beta1";
const GROUP_VERSION = `${GROUP}/${VERSION}`;
const PREFIX = `/apis/${GROUP}`;
/** metrics-server's scrape window */
const WINDOW = "20.05s";

/** Selectors on NodeMetrics: metadata.name only (the labels are the Node's). */
const nodeMetricsDef = {
  group: GROUP,
  version: VERSION,
  resource: "nodes",
  kind: "NodeMetrics",
  namespaced: false,
  hasStatus: false,
  shortNames: [],
  fields: {},
  returnsDeletedObject: false,
} satisfies ResourceDef;

const groupDocument = () => ({
  kind: "APIGroup",
  apiVersion: "v1",
  name: GROUP,
  versions: [{ groupVersion: GROUP_VERSION, version: VERSION }],
  preferredVersion: { groupVersion: GROUP_VERSION, version: VERSION },
});

const resourceList = () => ({
  kind: "APIResourceList",
  apiVersion: "v1",
  groupVersion: GROUP_VERSION,
  resources: [
    { name: "nodes", singularName: "", namespaced: false, kind: "NodeMetrics", verbs: ["get", "list"] },
  ],
});

const unavailable = () =>
  new KubeApiError(503, "ServiceUnavailable", "the server is currently unable to handle the request", {
    group: GROUP,
    kind: "nodes",
  });

export class NodeMetricsServer {
  availability: MetricsAvailability;
  readonly #usage = new Map<string, NodeUsage>();
  readonly #store: KubeStore;

  constructor(store: KubeStore, availability: MetricsAvailability = "absent") {
    this.#store = store;
    this.availability = availability;
  }

  /** What metrics-server last scraped from the Node's kubelet; shown only while the Node exists. */
  setUsage(node: string, usage: NodeUsage): void {
    this.#usage.set(node, { ...usage });
  }

  clearUsage(node: string): void {
    this.#usage.delete(node);
  }

  /** The NodeMetrics of every existing Node with a usage, in name order. */
  items(): KubeObject[] {
    const now = new Date().toISOString().replace(/\.\d{3}Z$/, "Z");
    return this.#store
      .list("nodes")
      .items.filter((node) => this.#usage.has(node.metadata.name!))
      .map((node) => ({
        metadata: {
          name: node.metadata.name!,
          creationTimestamp: now,
          ...(node.metadata.labels ? { labels: node.metadata.labels } : {}),
        },
        timestamp: now,
        window: WINDOW,
        usage: { ...this.#usage.get(node.metadata.name!)! },
      }));
  }

  /** `/apis` with the metrics group added while it is registered (serving or unavailable). */
  groupList(): ReturnType<typeof apiGroupList> {
    const list = apiGroupList();
    if (this.availability === "absent") return list;
    return { ...list, groups: [...list.groups, groupDocument()] };
  }

  /**
   * Answers the request if it is the metrics group's (or `/apis`, whose
   * document names it); false leaves it to the rest of the server, which
   * answers 404 for the group's paths, as the real one does without
   * metrics-server.
   */
  serve(req: IncomingMessage, res: ServerResponse, url: URL): boolean {
    const { pathname } = url;
    if (this.availability === "absent") return false;
    if (req.method === "GET" && (pathname === "/apis" || pathname === "/apis/")) {
      sendJson(res, 200, this.groupList());
      return true;
    }
    if (pathname !== PREFIX && !pathname.startsWith(`${PREFIX}/`)) return false;
    // discovery is the aggregator's, so it answers even while metrics-server is down
    if (req.method === "GET" && pathname === PREFIX) {
      sendJson(res, 200, groupDocument());
      return true;
    }
    if (req.method === "GET" && pathname === `${PREFIX}/${VERSION}`) {
      sendJson(res, 200, resourceList());
      return true;
    }
    if (this.availability === "unavailable") throw unavailable();
    const [version, resource, name, ...extra] = pathname.slice(PREFIX.length + 1).split("/");
    if (version !== VERSION || resource !== "nodes" || extra.length > 0) throw errors.pathNotFound();
    if (req.method !== "GET" || url.searchParams.get("watch") === "true") throw errors.methodNotAllowed();
    if (name) {
      const found = this.items().find((item) => item.metadata.name === name);
      if (!found) throw errors.notFound(nodeMetricsDef, name);
      sendJson(res, 200, { kind: "NodeMetrics", apiVersion: GROUP_VERSION, ...found });
      return true;
    }
    const matchLabels = parseLabelSelector(url.searchParams.get("labelSelector"));
    const matchFields = parseFieldSelector(url.searchParams.get("fieldSelector"), nodeMetricsDef);
    sendJson(res, 200, {
      kind: "NodeMetricsList",
      apiVersion: GROUP_VERSION,
      metadata: {},
      items: this.items().filter((item) => matchLabels(item) && matchFields(item)),
    });
    return true;
  }
}
