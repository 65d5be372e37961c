/**
 * The API docs at /docs (issue 15, "API docs"): the control plane as `npm start` runs it serves the
 * built docs page (dist/static/docs: Swagger UI over /openapi.json), and real Chromium renders it
 * without a single request leaving the origin (it works offline), without a console error or a
 * Content-Security-Policy violation, showing the API's title and its operations, and its "Try it
 * out" reaches the API.
 */
import type { Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { API_TITLE } from "../../../functions/http/openapi.ts";
import { launchChromium, openPage, requireChromium, type WatchedPage } from "../../support/browser.ts";
import { CONSOLE_BUILD_TIMEOUT_MS, ensureConsoleBuilt } from "../../support/console-build.ts";
import { type ServedControlPlane, startServedControlPlane } from "../../support/console-server.ts";

const hasChromium = await requireChromium();

interface OpenApiDocument {
  info: { title: string };
  paths: Record<string, Record<string, { summary?: string }>>;
}

describe.skipIf(!hasChromium)("/docs in Chromium", () => {
  let plane: ServedControlPlane;
  let browser: Browser;
  let document: OpenApiDocument;

  beforeAll(async () => {
    await ensureConsoleBuilt();
    [plane, browser] = await Promise.all([startServedControlPlane(), launchChromium()]);
    document = (await (await fetch(`${plane.url}/openapi.json`)).json()) as OpenApiDocument;
  }, CONSOLE_BUILD_TIMEOUT_MS);

  afterAll(async () => {
    await browser?.close();
    await plane?.stop();
  });

  it("serves the page with its security headers", async () => {
    const res = await fetch(`${plane.url}/docs/`);
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toMatch(/^text\/html/);
    const csp = res.headers.get("content-security-policy") ?? "";
    expect(csp).toContain("script-src 'self'");
    expect(csp).not.toMatch(/unsafe-eval/);
    const html = await res.text();
    // No inline script: every <script> names a file of ours.
    expect(html).not.toMatch(/<script(?![^>]*\bsrc="\.\/)[^>]*>/);
  });

  it("renders the API's title and operations offline, with no errors", async () => {
    const watched: WatchedPage = await openPage(browser, plane.url);
    const { page } = watched;
    try {
      await page.goto("/docs/", { waitUntil: "networkidle" });
      await expect
        .poll(() => page.locator(".information-container .title").textContent(), { timeout: 20_000 })
        .toContain(API_TITLE);
      expect(document.info.title).toBe(API_TITLE);

      // Every operation in /openapi.json is listed, e.g. the one for GET /v1/clusters.
      const operations = Object.values(document.paths).flatMap((item) => Object.keys(item));
      await expect.poll(() => page.locator(".opblock").count(), { timeout: 20_000 }).toBe(operations.length);
      const listClusters = page.locator('.opblock-get .opblock-summary-path[data-path="/v1/clusters"]');
      await expect.poll(() => listClusters.count()).toBe(1);
      await watched.screenshot("docs");

      expect(watched.offsite, "requests that left the origin").toEqual([]);
      expect(watched.problems, "console errors, page errors, failed requests").toEqual([]);
    } finally {
      await page.context().close();
    }
  });

  it("calls the API from 'Try it out' (connect-src 'self' holds)", async () => {
    const watched = await openPage(browser, plane.url);
    const { page } = watched;
    try {
      await page.goto("/docs/", { waitUntil: "networkidle" });
      const healthz = page.locator(".opblock-get", {
        has: page.locator('.opblock-summary-path[data-path="/healthz"]'),
      });
      await healthz.locator(".opblock-summary").click();
      await healthz.getByRole("button", { name: "Try it out" }).click();
      const answered = page.waitForResponse((res) => new URL(res.url()).pathname === "/healthz");
      await healthz.getByRole("button", { name: "Execute" }).click();
      expect((await answered).status()).toBe(200);
      await expect
        .poll(() => healthz.locator(".live-responses-table tbody .response-col_status").first().textContent())
        .toContain("200");
      await watched.screenshot("docs-try-it-out");
      expect(watched.offsite).toEqual([]);
      expect(watched.problems).toEqual([]);
    } finally {
      await page.context().close();
    }
  });
});
