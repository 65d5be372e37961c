/**
 * Real Chromium for page tests (Debian's `chromium`, driven by playwright-core).
 * Locally a missing browser skips the suites that need it (requireService);
 * with CI=true it is a failure.
 *
 * Pages record what the browser itself complained about (uncaught errors,
 * console errors, requests that failed) so a test can assert a page loaded
 * cleanly, and every request that left localhost, so /docs can be shown to
 * work offline.
 */
import { existsSync, mkdirSync } from "node:fs";
import path from "node:path";
import { type Browser, chromium, type Page } from "playwright-core";
import { requireService } from "./services.ts";

export const CHROMIUM_PATH = process.env.KSP_CHROMIUM_PATH ?? "/usr/bin/chromium";
export const SCREENSHOT_DIR = path.resolve(".test-report", "screenshots");

/** The flags this sandbox needs: no sandboxing as root, no GPU, and no calls home (the network is closed). */
const CHROMIUM_ARGS = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
  "--no-first-run",
  "--disable-quic",
  // Containers often give /dev/shm 64 MiB, too little for a page the size of /docs: use /tmp instead.
  "--disable-dev-shm-usage",
];

export function requireChromium(): Promise<boolean> {
  return requireService("chromium", async () => existsSync(CHROMIUM_PATH), CHROMIUM_PATH);
}

export function launchChromium(): Promise<Browser> {
  return chromium.launch({ executablePath: CHROMIUM_PATH, args: CHROMIUM_ARGS, headless: true });
}

export interface WatchedPage {
  page: Page;
  /** Uncaught exceptions, console.error lines and failed requests, in order. */
  problems: string[];
  /** Every URL requested from a host other than the page's own server. */
  offsite: string[];
  /** Saves `<name>.png` under .test-report/screenshots and returns its path. */
  screenshot(name: string): Promise<string>;
}

export async function openPage(browser: Browser, baseUrl: string): Promise<WatchedPage> {
  const context = await browser.newContext({ baseURL: baseUrl, viewport: { width: 1440, height: 900 } });
  const page = await context.newPage();
  const own = new URL(baseUrl).host;
  const problems: string[] = [];
  const offsite: string[] = [];
  page.on("pageerror", (err) => problems.push(`page error: ${err.message}`));
  page.on("console", (msg) => {
    if (msg.type() !== "error") return;
    const where = msg.location().url;
    problems.push(`console error: ${msg.text()}${where ? ` (${where})` : ""}`);
  });
  page.on("requestfailed", (req) =>
    problems.push(`request failed: ${req.url()} (${req.failure()?.errorText})`),
  );
  page.on("request", (req) => {
    const url = new URL(req.url());
    if (/^https?:$/.test(url.protocol) && url.host !== own) offsite.push(req.url());
  });
  return {
    page,
    problems,
    offsite,
    async screenshot(name) {
      mkdirSync(SCREENSHOT_DIR, { recursive: true });
      const file = path.join(SCREENSHOT_DIR, `${name}.png`);
      await page.screenshot({ path: file, fullPage: true });
      return file;
    },
  };
}
