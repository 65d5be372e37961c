/**
 * The web console (/ui) and API docs (/docs) from the BUNDLED Worker in workerd, served through the
 * ASSETS binding configured exactly as wrangler.toml's `[assets]` (test/support/worker-harness.ts):
 * the Worker runs first for every request, so pages carry its security headers, the console's
 * client-side routes fall back to its index, and everything else (API paths, files of dist/static
 * outside /ui and /docs) keeps the API's JSON 404 envelope.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import type { Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { API_TITLE } from "../../functions/http/openapi.ts";
import { launchChromium, openPage, requireChromium } from "../support/browser.ts";
import { closedPort } from "../support/closed-port.ts";
import { CONSOLE_BUILD_TIMEOUT_MS, ensureConsoleBuilt, STATIC_DIR } from "../support/console-build.ts";
import { recordUsage } from "../support/usage.ts";
import { startWorker, type WorkerHarness } from "../support/worker-harness.ts";

type Envelope = { error: { code: string; message: string; requestId: string } };

const BASE = "http://ksp.test";
const hasChromium = await requireChromium();
const built = (path: string) => readFileSync(join(STATIC_DIR, path), "utf8");

describe("worker: /ui and /docs through the [assets] binding", () => {
  let harness: WorkerHarness;
  const get = (path: string) => harness.mf.dispatchFetch(`${BASE}${path}`, { redirect: "manual" });

  beforeAll(async () => {
    recordUsage("service", "workerd (miniflare)");
    await ensureConsoleBuilt();
    // Nothing listens there: serving pages must touch neither the database nor Redis.
    const port = await closedPort();
    harness = await startWorker(
      {
        DATABASE_URL: `postgres://ksp:unused@127.0.0.1:${port}/ksp`,
        UPSTASH_REDIS_REST_URL: `http://127.0.0.1:${port}`,
        UPSTASH_REDIS_REST_TOKEN: "unused",
      },
      { assets: true },
    );
  }, CONSOLE_BUILD_TIMEOUT_MS);
  afterAll(() => harness?.dispose());

  it("serves the console's index at /ui/ with the page security headers", async () => {
    const res = await get("/ui/");
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toMatch(/^text\/html/);
    // Only the Worker sets these: the request went through it, not straight to the assets.
    expect(res.headers.get("content-security-policy")).toContain("script-src 'self'");
    expect(res.headers.get("x-frame-options")).toBe("DENY");
    expect(await res.text()).toBe(built("ui/index.html"));
  });

  it("serves the console's bundled scripts, and its index for client-side routes", async () => {
    const script = /src="(\/ui\/assets\/[^"]+\.js)"/.exec(built("ui/index.html"))?.[1];
    expect(script, "the built index.html names its script").toBeTruthy();
    const res = await get(script!);
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toMatch(/javascript/);
    expect(await res.text()).toBe(built(script!.slice(1)));

    const route = await get("/ui/clusters/prod/pools/workers");
    expect(route.status).toBe(200);
    expect(await route.text()).toBe(built("ui/index.html"));
  });

  it("serves the docs page and its Swagger UI files", async () => {
    const page = await get("/docs/");
    expect(page.status).toBe(200);
    expect(page.headers.get("content-security-policy")).toContain("script-src 'self'");
    expect(await page.text()).toBe(built("docs/index.html"));
    for (const file of ["docs.js", "swagger-ui-bundle.js", "swagger-ui.css"]) {
      const res = await get(`/docs/${file}`);
      expect(res.status, file).toBe(200);
      expect((await res.arrayBuffer()).byteLength, file).toBe(Buffer.byteLength(built(`docs/${file}`)));
    }
    const redirect = await get("/docs");
    expect(redirect.status).toBe(308);
    expect(redirect.headers.get("location")).toBe("/docs/");
  });

  it("keeps the API's JSON 404 for API paths, missing files and dist/static outside /ui and /docs", async () => {
    for (const path of ["/v2/clusters", "/nope", "/ui/assets/missing-0000.js", "/.build-stamp.json"]) {
      const res = await get(path);
      expect(res.status, path).toBe(404);
      expect(res.headers.get("content-type"), path).toMatch(/^application\/json/);
      const body = (await res.json()) as Envelope;
      expect(body.error.code, path).toBe("not_found");
      expect(body.error.requestId, path).toBeTruthy();
    }
  });

  it("still answers the API itself: /openapi.json is the Worker's", async () => {
    const res = await get("/openapi.json");
    expect(res.status).toBe(200);
    expect(((await res.json()) as { openapi: string }).openapi).toBe("3.1.0");
  });
});

describe.skipIf(!hasChromium)("worker: /docs in Chromium", () => {
  let harness: WorkerHarness;
  let browser: Browser;

  beforeAll(async () => {
    await ensureConsoleBuilt();
    const port = await closedPort();
    [harness, browser] = await Promise.all([
      startWorker(
        {
          DATABASE_URL: `postgres://ksp:unused@127.0.0.1:${port}/ksp`,
          UPSTASH_REDIS_REST_URL: `http://127.0.0.1:${port}`,
          UPSTASH_REDIS_REST_TOKEN: "unused",
        },
        { assets: true },
      ),
      launchChromium(),
    ]);
  }, CONSOLE_BUILD_TIMEOUT_MS);
  afterAll(async () => {
    await browser?.close();
    await harness?.dispose();
  });

  it("renders the API docs from the Worker, offline and without errors", async () => {
    // Miniflare's own HTTP server in front of workerd: what a browser reaches on a deployment.
    const origin = (await harness.mf.ready).origin;
    const watched = await openPage(browser, origin);
    const { page } = watched;
    try {
      await page.goto("/docs/", { waitUntil: "networkidle" });
      await expect
        .poll(() => page.locator(".information-container .title").textContent(), { timeout: 20_000 })
        .toContain(API_TITLE);
      await expect.poll(() => page.locator(".opblock").count(), { timeout: 20_000 }).toBeGreaterThan(0);
      await watched.screenshot("docs-worker");
      expect(watched.offsite, "requests that left the origin").toEqual([]);
      expect(watched.problems, "console errors, page errors, failed requests").toEqual([]);
    } finally {
      await page.context().close();
    }
  });
});
