/**
 * The web console as `npm install && npm start` serves it (issue 15, "Web console"): the control
 * plane on Node over a real port serves the built dist/static/ui at /ui, and real Chromium loads its
 * index and every hashed asset from this origin alone, renders the app without a console error or
 * a Content-Security-Policy violation, also when opened at a deep client-side route.
 */
import type { Browser, Response as PageResponse } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CONSOLE_NOT_BUILT } from "../../../functions/lib/static-assets/types.ts";
import { launchChromium, openPage, requireChromium } from "../../support/browser.ts";
import { CONSOLE_BUILD_TIMEOUT_MS, ensureConsoleBuilt } from "../../support/console-build.ts";
import { type ServedControlPlane, startServedControlPlane } from "../../support/console-server.ts";

const hasChromium = await requireChromium();

describe.skipIf(!hasChromium)("/ui served by the Node control plane, in Chromium", () => {
  let plane: ServedControlPlane;
  let browser: Browser;

  beforeAll(async () => {
    await ensureConsoleBuilt();
    [plane, browser] = await Promise.all([startServedControlPlane(), launchChromium()]);
  }, CONSOLE_BUILD_TIMEOUT_MS);

  afterAll(async () => {
    await browser?.close();
    await plane?.stop();
  });

  it("starts without warning that the console is not built", () => {
    expect(plane.output()).not.toContain(CONSOLE_NOT_BUILT);
  });

  it("serves the index uncached and the hashed assets immutable and gzipped", async () => {
    const index = await fetch(`${plane.url}/ui/`);
    expect(index.status).toBe(200);
    expect(index.headers.get("cache-control")).toBe("no-cache");
    expect(index.headers.get("content-security-policy")).toContain("script-src 'self'");
    const html = await index.text();
    const assets = [...html.matchAll(/(?:src|href)="(\/ui\/assets\/[^"]+)"/g)].map((m) => m[1]!);
    expect(assets.length, "the index names its bundled assets under /ui/assets/").toBeGreaterThan(0);
    for (const asset of assets) {
      const res = await fetch(`${plane.url}${asset}`, { headers: { "accept-encoding": "gzip" } });
      expect(res.status, asset).toBe(200);
      expect(res.headers.get("cache-control"), asset).toContain("immutable");
      // Scripts and styles travel gzipped (fetch unpacks them), unless too small to gain from it.
      const size = (await res.arrayBuffer()).byteLength;
      if (/\.(js|css)$/.test(asset) && size >= 1024) {
        expect(res.headers.get("content-encoding"), asset).toBe("gzip");
      }
    }
  });

  for (const [name, path] of [
    ["console", "/ui/"],
    ["console-deep-link", "/ui/clusters/no-such-cluster/pools"],
  ] as const) {
    it(`renders from ${path} with every asset loaded and no errors`, async () => {
      const watched = await openPage(browser, plane.url);
      const { page } = watched;
      const loaded: PageResponse[] = [];
      page.on("response", (res) => {
        if (new URL(res.url()).pathname.startsWith("/ui/assets/")) loaded.push(res);
      });
      try {
        await page.goto(path, { waitUntil: "networkidle" });
        // The app rendered something into its root (the sign-in form: no token in this session).
        await expect.poll(() => page.locator("#root > *").count(), { timeout: 20_000 }).toBeGreaterThan(0);
        await expect.poll(() => page.locator("#root").innerText(), { timeout: 20_000 }).not.toBe("");
        expect(loaded.length).toBeGreaterThan(0);
        for (const res of loaded) expect(res.status(), res.url()).toBe(200);
        await watched.screenshot(name);
        expect(watched.offsite, "requests that left the origin").toEqual([]);
        expect(watched.problems, "console errors, page errors, failed requests").toEqual([]);
      } finally {
        await page.context().close();
      }
    });
  }
});
