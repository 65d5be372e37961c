/** The verbs on one resource target: list/watch, get, create, update, patch, delete, eviction. */
import type { IncomingMessage, ServerResponse } from "node:http";
import { evictPod } from "./eviction.ts";
import { mediaType, parseJson, readBody, sendJson, sendStatus } from "./http-io.ts";
import { type Json, jsonPatch, mergePatch, patchContentTypes } from "./patch.ts";
import { apiVersionOf, type KubeObject, type ResourceName } from "./registry.ts";
import type { ResourceTarget } from "./routes.ts";
import { parseFieldSelector, parseLabelSelector } from "./selectors.ts";
import { errors, success } from "./status.ts";
import type { KubeStore } from "./store.ts";
import { serveWatch, type WatchSettings } from "./watch.ts";

export interface HandlerContext {
  store: KubeStore;
  watch: WatchSettings;
  /** Open watches, so closing the server can end them. */
  activeWatches: Set<() => void>;
}

const isObject = (v: unknown): v is KubeObject => typeof v === "object" && v !== null && !Array.isArray(v);

async function objectBody(req: IncomingMessage, t: ResourceTarget): Promise<KubeObject> {
  const body = parseJson(await readBody(req), true);
  if (!isObject(body)) throw errors.badRequest("the request body must be a JSON object");
  const apiVersion = apiVersionOf(t.def);
  // Missing kind/apiVersion default from the endpoint, as the real decoder does; wrong ones are rejected.
  if ((body.kind && body.kind !== t.def.kind) || (body.apiVersion && body.apiVersion !== apiVersion)) {
    throw errors.badRequest(
      `the object provided is unrecognized (must be of type ${t.def.kind}): ${body.apiVersion}/${body.kind}`,
    );
  }
  body.metadata ??= {};
  if (t.def.namespaced && body.metadata.namespace && body.metadata.namespace !== t.namespace) {
    throw errors.badRequest(
      "the namespace of the provided object does not match the namespace sent on the request",
    );
  }
  return body;
}

function encodeContinue(resourceVersion: number, lastKey: string): string {
  return Buffer.from(JSON.stringify({ rv: resourceVersion, start: lastKey })).toString("base64url");
}

function decodeContinue(token: string): string {
  try {
    const parsed = JSON.parse(Buffer.from(token, "base64url").toString("utf8")) as { start?: unknown };
    if (typeof parsed.start === "string") return parsed.start;
  } catch {}
  throw errors.badRequest("continue key is not valid: invalid continue token");
}

/**
 * Lists one page. Continuation is served from live state after the last key
 * rather than from a snapshot at the first page's revision.
 */
function list(ctx: HandlerContext, t: ResourceTarget, q: URLSearchParams, res: ServerResponse): void {
  const matchLabels = parseLabelSelector(q.get("labelSelector"));
  const matchFields = parseFieldSelector(q.get("fieldSelector"), t.def);
  const { items, resourceVersion } = ctx.store.list(t.def.resource as ResourceName, {
    namespace: t.namespace,
    matches: (o) => matchLabels(o) && matchFields(o),
  });
  const keyOf = (o: KubeObject) => `${o.metadata.namespace ?? ""}/${o.metadata.name}`;
  const start = q.get("continue") ? decodeContinue(q.get("continue")!) : undefined;
  const remaining = start === undefined ? items : items.filter((o) => keyOf(o) > start);
  const limit = Number(q.get("limit") ?? "0");
  const page = limit > 0 ? remaining.slice(0, limit) : remaining;
  const metadata: Record<string, unknown> = { resourceVersion: String(resourceVersion) };
  if (page.length < remaining.length) {
    metadata.continue = encodeContinue(resourceVersion, keyOf(page[page.length - 1]!));
    metadata.remainingItemCount = remaining.length - page.length;
  }
  // Items of a typed list carry no kind/apiVersion on the wire.
  const wireItems = page.map(({ kind: _k, apiVersion: _a, ...rest }) => rest);
  sendJson(res, 200, {
    kind: `${t.def.kind}List`,
    apiVersion: apiVersionOf(t.def),
    metadata,
    items: wireItems,
  });
}

function watch(ctx: HandlerContext, t: ResourceTarget, q: URLSearchParams, res: ServerResponse): void {
  const matchLabels = parseLabelSelector(q.get("labelSelector"));
  const matchFields = parseFieldSelector(q.get("fieldSelector"), t.def);
  const timeout = q.get("timeoutSeconds");
  const stop = serveWatch(
    ctx.store,
    {
      def: t.def,
      namespace: t.namespace,
      matches: (o) =>
        matchLabels(o) && matchFields(o) && (t.name === undefined || o.metadata.name === t.name),
      resourceVersion: q.get("resourceVersion"),
      allowBookmarks: q.get("allowWatchBookmarks") === "true",
      sendInitialEvents: q.get("sendInitialEvents") === "true",
      timeoutSeconds: timeout && /^\d+$/.test(timeout) ? Number(timeout) : undefined,
    },
    res,
    ctx.watch,
  );
  ctx.activeWatches.add(stop);
  res.on("close", () => ctx.activeWatches.delete(stop));
}

async function patch(ctx: HandlerContext, t: ResourceTarget, req: IncomingMessage): Promise<KubeObject> {
  const type = mediaType(req.headers["content-type"]);
  const accepted = Object.values(patchContentTypes);
  if (!(accepted as string[]).includes(type)) throw errors.unsupportedMediaType(accepted);
  const body = parseJson(await readBody(req), true) as Json;
  const resource = t.def.resource as ResourceName;
  const current = ctx.store.get(resource, t.namespace, t.name!);
  let patched: Json;
  if (type === patchContentTypes.json) patched = jsonPatch(current as unknown as Json, body);
  else if (isObject(body)) patched = mergePatch(current as unknown as Json, body);
  else throw errors.badRequest("a merge patch must be a JSON object");
  if (!isObject(patched)) throw errors.badRequest("the patch produced an object that is not a JSON object");
  // The patched object still carries the stored resourceVersion unless the patch set one:
  // a patch that pins a stale resourceVersion conflicts exactly like a PUT would.
  const opts = t.subresource === "status" ? { subresource: "status" as const } : {};
  return ctx.store.update(resource, t.namespace, t.name!, patched, opts);
}

async function remove(ctx: HandlerContext, t: ResourceTarget, req: IncomingMessage, res: ServerResponse) {
  const options = parseJson(await readBody(req), false) as {
    preconditions?: { uid?: string; resourceVersion?: string };
  };
  const deleted = ctx.store.delete(
    t.def.resource as ResourceName,
    t.namespace,
    t.name!,
    options?.preconditions ?? {},
  );
  if (t.def.returnsDeletedObject) return sendJson(res, 200, deleted);
  const details = {
    name: t.name!,
    ...(t.def.group ? { group: t.def.group } : {}),
    kind: t.def.resource,
    uid: deleted.metadata.uid!,
  };
  sendStatus(res, success(undefined, details));
}

export async function handleResource(
  ctx: HandlerContext,
  t: ResourceTarget,
  req: IncomingMessage,
  res: ServerResponse,
  query: URLSearchParams,
): Promise<void> {
  const method = req.method ?? "GET";
  const resource = t.def.resource as ResourceName;
  const isWatch = query.get("watch") === "true" || query.get("watch") === "1";
  if (t.subresource === "eviction") {
    if (method !== "POST") throw errors.methodNotAllowed();
    const body = parseJson(await readBody(req), true);
    return sendStatus(res, evictPod(ctx.store, t.namespace!, t.name!, body));
  }
  if (t.name === undefined) {
    if (method === "GET") return isWatch ? watch(ctx, t, query, res) : list(ctx, t, query, res);
    if (method === "POST" && (t.namespace !== undefined || !t.def.namespaced)) {
      return sendJson(res, 201, ctx.store.create(resource, t.namespace, await objectBody(req, t)));
    }
    throw errors.methodNotAllowed();
  }
  const opts = t.subresource === "status" ? { subresource: "status" as const } : {};
  switch (method) {
    case "GET":
      if (isWatch) return watch(ctx, t, query, res);
      return sendJson(res, 200, ctx.store.get(resource, t.namespace, t.name));
    case "PUT":
      return sendJson(
        res,
        200,
        ctx.store.update(resource, t.namespace, t.name, await objectBody(req, t), opts),
      );
    case "PATCH":
      return sendJson(res, 200, await patch(ctx, t, req));
    case "DELETE":
      if (t.subresource) throw errors.methodNotAllowed();
      return remove(ctx, t, req, res);
    default:
      throw errors.methodNotAllowed();
  }
}
