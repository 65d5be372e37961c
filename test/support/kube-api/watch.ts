/**
 * `?watch=true` streams: newline-delimited `{type, object}` events over a
 * chunked 200 response, replayed from the event log after the requested
 * resourceVersion, then live. A resourceVersion older than the retained
 * window yields one `ERROR` event carrying a 410 Expired Status, as the
 * watch cache does, and the stream ends.
 */
import type { ServerResponse } from "node:http";
import type { StoredEvent } from "./event-log.ts";
import { apiVersionOf, type KubeObject, type ResourceDef, type ResourceName } from "./registry.ts";
import type { Matcher } from "./selectors.ts";
import { errors } from "./status.ts";
import type { KubeStore } from "./store.ts";

export interface WatchRequest {
  def: ResourceDef;
  namespace: string | undefined;
  matches: Matcher;
  resourceVersion: string | null;
  allowBookmarks: boolean;
  sendInitialEvents: boolean;
  timeoutSeconds: number | undefined;
}

export interface WatchSettings {
  bookmarkIntervalMs: number;
}

type Outgoing = { type: "ADDED" | "MODIFIED" | "DELETED" | "BOOKMARK" | "ERROR"; object: unknown };

/** How a stored event looks through a selector: objects entering or leaving it are ADDED / DELETED. */
function project(event: StoredEvent, matches: Matcher): Outgoing | undefined {
  const { type, object, prevObject } = event;
  if (type !== "MODIFIED") return matches(object) ? { type, object } : undefined;
  const now = matches(object);
  const before = prevObject !== undefined && matches(prevObject);
  if (now && before) return { type: "MODIFIED", object };
  if (now) return { type: "ADDED", object };
  if (before) return { type: "DELETED", object };
  return undefined;
}

function parseResourceVersion(raw: string | null): number | undefined {
  if (raw === null || raw === "" || raw === "0") return undefined;
  if (!/^\d+$/.test(raw)) throw errors.badRequest(`invalid resource version: ${JSON.stringify(raw)}`);
  return Number(raw);
}

/** Runs one watch on `res` until timeout, client disconnect, or `stop()`. Returns the stopper. */
export function serveWatch(
  store: KubeStore,
  req: WatchRequest,
  res: ServerResponse,
  settings: WatchSettings,
) {
  const from = parseResourceVersion(req.resourceVersion);
  const resource = req.def.resource as ResourceName;
  const inScope = (o: KubeObject) => req.namespace === undefined || o.metadata.namespace === req.namespace;
  const send = (e: Outgoing) => {
    if (!res.writableEnded) res.write(`${JSON.stringify(e)}\n`);
  };
  const bookmark = (annotations?: Record<string, string>) =>
    send({
      type: "BOOKMARK",
      object: {
        kind: req.def.kind,
        apiVersion: apiVersionOf(req.def),
        metadata: { resourceVersion: String(store.resourceVersion), ...(annotations ? { annotations } : {}) },
      },
    });

  res.writeHead(200, { "Content-Type": "application/json", "Cache-Control": "no-cache, private" });
  res.flushHeaders();

  const timers: NodeJS.Timeout[] = [];
  let unsubscribe = () => {};
  const stop = () => {
    unsubscribe();
    for (const t of timers) clearTimeout(t);
    if (!res.writableEnded) res.end();
  };
  res.on("close", stop);

  if (from === undefined) {
    // No (or "0") resourceVersion: the current state as synthetic ADDED events, then live.
    const { items } = store.list(resource, { namespace: req.namespace, matches: req.matches });
    for (const object of items)
      send({ type: "ADDED", object: { apiVersion: apiVersionOf(req.def), kind: req.def.kind, ...object } });
    if (req.sendInitialEvents && req.allowBookmarks) bookmark({ "k8s.io/initial-events-end": "true" });
  } else {
    const replay = store.events.since(from);
    if (replay === "expired") {
      const gone = errors.expired(`too old resource version: ${from} (${store.events.oldestRetained})`);
      send({ type: "ERROR", object: gone.status });
      stop();
      return stop;
    }
    for (const e of replay) if (e.resource === resource && inScope(e.object)) emit(e);
  }

  function emit(e: StoredEvent) {
    const out = project(e, req.matches);
    if (out) send(out);
  }
  unsubscribe = store.events.subscribe((e) => {
    if (e.resource === resource && inScope(e.object)) emit(e);
  });
  if (req.allowBookmarks) timers.push(setInterval(() => bookmark(), settings.bookmarkIntervalMs));
  if (req.timeoutSeconds !== undefined) timers.push(setTimeout(stop, req.timeoutSeconds * 1000));
  return stop;
}
