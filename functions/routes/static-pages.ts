/**
 * The web console at /ui and the API docs at /docs: static files built by
 * `npm run build:console` (dist/static), served from disk on Node and from
 * the `[assets]` binding on Workers (lib/static-assets/). Outside /v1: the
 * pages carry no token (the console keeps its token in session storage and
 * sends it as a header on its own API calls), so they are neither
 * authenticated, rate-limited nor audited.
 *
 * The console routes on the client (`/ui/machines/…`): any /ui path that is
 * not a file and does not look like one gets the console's index.html.
 */
import type { Context } from "hono";
import type { App, AppEnv } from "../http/hono-env.ts";
import { AppError } from "../lib/errors.ts";
import { CONSOLE_NOT_BUILT, DOCS_NOT_BUILT, type StaticAssets } from "../lib/static-assets/types.ts";

/**
 * Pages only the browser reads: no framing by other sites, no referrer leaking
 * paths, no sniffing. Ant Design injects its styles at run time, hence
 * 'unsafe-inline' for styles only; scripts come from our own origin alone (the
 * docs page starts Swagger UI from a file, docs.js, not an inline script).
 * `img-src data:`: Swagger UI's stylesheet draws its icons as data: URIs.
 * Neither page uses web fonts. Browser tests (test/integration/console/) fail
 * on any violation, so this is as strict as both pages allow.
 */
const PAGE_HEADERS: Record<string, string> = {
  "Content-Security-Policy":
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; " +
    "font-src 'self'; connect-src 'self'; object-src 'none'; frame-ancestors 'none'; base-uri 'self'; " +
    "form-action 'self'",
  "X-Content-Type-Options": "nosniff",
  "X-Frame-Options": "DENY",
  "Referrer-Policy": "no-referrer",
};

async function withPageHeaders(response: Response, method: string): Promise<Response> {
  const headers = new Headers(response.headers);
  for (const [name, value] of Object.entries(PAGE_HEADERS)) headers.set(name, value);
  // Hono answers HEAD by dropping the GET answer's body unread: close it here instead, or on Node
  // every HEAD would leave a file open.
  if (method === "HEAD") {
    await response.body?.cancel();
    return new Response(null, { status: response.status, headers });
  }
  return new Response(response.body, { status: response.status, headers });
}

/** `/ui/pools/7` is a client-side route; `/ui/assets/x.js` is a file that is missing. */
const looksLikeFile = (path: string) => /\/[^/]+\.[a-z0-9]+$/i.test(path);

async function serve(
  c: Context<AppEnv>,
  assets: StaticAssets,
  opts: { index: string; spa: boolean; notBuilt: string },
): Promise<Response> {
  const path = c.req.path;
  // Hono hands the path decoded; a `..` segment (however it was spelled) would leave the folder.
  if (path.split("/").includes("..") || path.includes("\\")) throw new AppError("not_found", "no such file");
  const file = path.endsWith("/") ? `${path}index.html` : path;
  const found = await assets.get(file, c.req.raw);
  if (found) return withPageHeaders(found, c.req.method);
  const index = await assets.get(opts.index, c.req.raw);
  if (!index) throw new AppError("not_found", opts.notBuilt);
  if (opts.spa && !looksLikeFile(path)) return withPageHeaders(index, c.req.method);
  // Not sent: close it, or on Node its file stays open until garbage collection.
  await index.body?.cancel();
  throw new AppError("not_found", `no such file: ${path}`);
}

export function registerStaticPages(app: App, assets: StaticAssets | undefined): void {
  app.get("/ui", (c) => c.redirect("/ui/", 308));
  app.get("/docs", (c) => c.redirect("/docs/", 308));
  if (!assets) {
    app.get("/ui/*", () => {
      throw new AppError("not_found", CONSOLE_NOT_BUILT);
    });
    app.get("/docs/*", () => {
      throw new AppError("not_found", DOCS_NOT_BUILT);
    });
    return;
  }
  app.get("/ui/*", (c) =>
    serve(c, assets, { index: "/ui/index.html", spa: true, notBuilt: CONSOLE_NOT_BUILT }),
  );
  app.get("/docs/*", (c) =>
    serve(c, assets, { index: "/docs/index.html", spa: false, notBuilt: DOCS_NOT_BUILT }),
  );
}
