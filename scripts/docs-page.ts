/**
 * The API docs page (/docs) that `npm run build:console` writes into dist/static/docs, next to the
 * swagger-ui-dist files it uses: Swagger UI over this control plane's own /openapi.json.
 * No inline script (the page's Content-Security-Policy allows scripts from its own origin only, so
 * Swagger UI is started from docs.js) and nothing fetched from anywhere else: the page works on a
 * machine with no internet access. (Kept as text here rather than as loose .html/.js files, which
 * nothing would import.)
 */

const INDEX_HTML = `<!doctype html>
<html lang="en">
  <head>
    <meta charset="utf-8" />
    <meta name="viewport" content="width=device-width, initial-scale=1" />
    <title>API docs · kube-static-pool</title>
    <link rel="stylesheet" href="./swagger-ui.css" />
    <link rel="icon" type="image/png" href="./favicon-32x32.png" sizes="32x32" />
    <link rel="icon" type="image/png" href="./favicon-16x16.png" sizes="16x16" />
  </head>
  <body>
    <noscript>The API docs need JavaScript. The raw document is at <a href="/openapi.json">/openapi.json</a>.</noscript>
    <div id="swagger-ui"></div>
    <script src="./swagger-ui-bundle.js"></script>
    <script src="./docs.js"></script>
  </body>
</html>
`;

const DOCS_JS = `// Starts Swagger UI on /docs; built by \`npm run build:console\` from scripts/docs-page.ts.
window.addEventListener("DOMContentLoaded", function () {
  window.ui = SwaggerUIBundle({
    // The document of the control plane that serves this page (same origin, no token needed).
    url: "/openapi.json",
    dom_id: "#swagger-ui",
    // Tag and operation links in the URL fragment; never anything secret.
    deepLinking: true,
    // No standalone preset: its top bar invites loading documents from elsewhere.
    presets: [SwaggerUIBundle.presets.apis],
    layout: "BaseLayout",
    // Swagger UI would otherwise send the document to validator.swagger.io for a badge: the page
    // must work offline, and the document is linted in CI (npm run lint:openapi).
    validatorUrl: null,
    // A token entered under "Authorize" stays in this tab's memory: never in storage or a URL.
    persistAuthorization: false,
    displayRequestDuration: true,
    filter: true,
  });
});
`;

/** File name → content, written into dist/static/docs. */
export const DOCS_PAGE_FILES: Readonly<Record<string, string>> = {
  "index.html": INDEX_HTML,
  "docs.js": DOCS_JS,
};
