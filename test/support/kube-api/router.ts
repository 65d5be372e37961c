/**
 * The HTTP entry: bearer-token check, discovery, resource dispatch, and the
 * guarantee that any failure becomes a `kind: Status` response rather than a
 * crashed server.
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import { apiGroupDocument, apiGroupList, apiResourceList, apiVersions, serverVersion } from "./discovery.ts";
import { type HandlerContext, handleResource } from "./handlers.ts";
import type { RequestHolds } from "./holds.ts";
import { bearerToken, sendJson, sendStatus, sendText } from "./http-io.ts";
import type { NodeMetricsServer } from "./metrics.ts";
import { resolveResourcePath } from "./routes.ts";
import { errors, KubeApiError } from "./status.ts";

export interface RequestRecord {
  method: string;
  path: string;
  status: number;
  token?: string;
}

export interface RouterContext extends HandlerContext {
  /** When set, only these bearer tokens are accepted (401 otherwise). */
  acceptedTokens: Set<string> | undefined;
  serverAddress: string;
  requestLog: RequestRecord[];
  /** requests a test holds back until it releases them */
  holds: RequestHolds;
  /** metrics.k8s.io, served as metrics-server would (or absent) */
  metrics: NodeMetricsServer;
}

const REQUEST_LOG_LIMIT = 2000;
const UNAUTHENTICATED_PATHS = new Set(["/healthz", "/livez", "/readyz", "/version"]);

function discovery(pathname: string): unknown {
  const parts = pathname.split("/").filter(Boolean);
  if (pathname === "/api" || pathname === "/api/") return undefined; // needs the server address; handled by caller
  if (parts[0] === "api" && parts.length === 2) return apiResourceList(parts[1]!);
  if (parts[0] === "apis" && parts.length === 1) return apiGroupList();
  if (parts[0] === "apis" && parts.length === 2) return apiGroupDocument(parts[1]!);
  if (parts[0] === "apis" && parts.length === 3) return apiResourceList(`${parts[1]}/${parts[2]}`);
  return undefined;
}

async function dispatch(
  ctx: RouterContext,
  req: IncomingMessage,
  res: ServerResponse,
  url: URL,
): Promise<void> {
  const { pathname } = url;
  if (ctx.acceptedTokens && !UNAUTHENTICATED_PATHS.has(pathname)) {
    const token = bearerToken(req);
    if (!token || !ctx.acceptedTokens.has(token)) throw errors.unauthorized();
  }
  if (["/healthz", "/livez", "/readyz"].includes(pathname)) return sendText(res, 200, "ok");
  if (pathname === "/version") return sendJson(res, 200, serverVersion);
  if (req.method === "GET" && (pathname === "/api" || pathname === "/api/")) {
    return sendJson(res, 200, apiVersions(ctx.serverAddress));
  }
  if (ctx.metrics.serve(req, res, url)) return;
  const doc = req.method === "GET" ? discovery(pathname) : undefined;
  if (doc) return sendJson(res, 200, doc);
  return handleResource(ctx, resolveResourcePath(pathname), req, res, url.searchParams);
}

function record(ctx: RouterContext, entry: RequestRecord): void {
  ctx.requestLog.push(entry);
  if (ctx.requestLog.length > REQUEST_LOG_LIMIT)
    ctx.requestLog.splice(0, ctx.requestLog.length - REQUEST_LOG_LIMIT);
}

export function createRequestHandler(ctx: RouterContext) {
  return (req: IncomingMessage, res: ServerResponse): void => {
    const url = new URL(req.url ?? "/", "http://stand-in");
    req.on("error", () => res.destroy());
    res.on("finish", () => {
      const token = bearerToken(req);
      const entry: RequestRecord = {
        method: req.method ?? "GET",
        path: url.pathname + url.search,
        status: res.statusCode,
      };
      if (token) entry.token = token;
      record(ctx, entry);
    });
    ctx.holds
      .pass(req.method ?? "GET", url.pathname + url.search)
      .then(() => dispatch(ctx, req, res, url))
      .catch((err: unknown) => {
        const failure =
          err instanceof KubeApiError ? err : errors.internal(String((err as Error)?.message ?? err));
        if (res.headersSent) {
          res.end();
          return;
        }
        sendStatus(res, failure.status);
      });
  };
}
