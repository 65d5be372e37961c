/**
 * The built web console and API docs (`dist/static`: `ui/`, `docs/`), as each
 * runtime can serve them: files on disk on Node, the `[assets]` binding on
 * Workers. The routes (routes/static-pages.ts) decide what a path means
 * (redirects, the console's client-side routes); this only finds files.
 */
export interface StaticAssets {
  /**
   * The file at a URL path such as `/ui/assets/index-3f2a.js` as a complete
   * response (content type, caching), or null when there is no such file.
   */
  get(path: string, request: Request): Promise<Response | null>;
}

export const CONSOLE_NOT_BUILT =
  "the web console is not built: run `npm run build:console` (npm install runs it too)";
export const DOCS_NOT_BUILT =
  "the API docs page is not built: run `npm run build:console` (npm install runs it too); /openapi.json is always served";
