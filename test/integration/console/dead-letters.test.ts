/**
 * The console's dead-letter view in real Chromium, against the control plane as `npm start` runs it
 * (its own in-process queue and scheduler), on Postgres: two dead letters recorded through the
 * service the queue consumer uses; the view lists the parked ones with their reasons, Replay puts
 * one back on the job queue and the control plane runs it (its log says so), Discard dismisses the
 * other, and both leave the parked list.
 */
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openNodePostgres } from "../../../drizzle/drivers/node-postgres.ts";
import { recordDeadLetters } from "../../../functions/services/dead-letters/record-dead-letter.ts";
import { launchChromium, openPage, requireChromium } from "../../support/browser.ts";
import { CONSOLE_BUILD_TIMEOUT_MS, ensureConsoleBuilt } from "../../support/console-build.ts";
import { apiCall } from "../../support/console-seed.ts";
import { type ServedControlPlane, startServedControlPlane } from "../../support/console-server.ts";
import { testContext } from "../../support/fixtures.ts";
import { createTestDatabase, requirePostgres, type TestDatabase } from "../../support/postgres.ts";

const ready = (await requireChromium()) && (await requirePostgres());

describe.skipIf(!ready)("the console's dead-letter view", () => {
  let database: TestDatabase;
  let plane: ServedControlPlane;
  let browser: Browser;
  let page: Page;
  let ids: { heartbeat: string; nonsense: string };

  beforeAll(async () => {
    await ensureConsoleBuilt();
    database = await createTestDatabase();
    [plane, browser] = await Promise.all([
      startServedControlPlane({ DATABASE_URL: database.url }),
      launchChromium(),
    ]);
    const db = await openNodePostgres(database.url);
    try {
      const { recorded } = await recordDeadLetters({
        ctx: testContext(db.db, { actor: "system" }),
        input: {
          source: "consumer",
          letters: [
            {
              body: { type: "job.run", job: "heartbeat" },
              attempts: 5,
              reason: "gave up after 5 attempts: the lock was held",
              queue: "in-process",
            },
            {
              body: { type: "nonsense" },
              attempts: 1,
              reason: "not a job message: bad type",
              queue: "in-process",
            },
          ],
        },
      });
      ids = { heartbeat: recorded[0]!, nonsense: recorded[1]! };
    } finally {
      await db.close();
    }
    const watched = await openPage(browser, plane.url);
    page = watched.page;
    page.setDefaultTimeout(20_000);
  }, CONSOLE_BUILD_TIMEOUT_MS);

  afterAll(async () => {
    await browser?.close();
    await plane?.stop();
    await database?.drop();
  });

  const rows = () => page.locator(".ant-table-tbody .ant-table-row");
  const statusOf = async (id: string) =>
    (
      await apiCall<{ status: string }>(
        { url: plane.url, token: plane.adminToken },
        "GET",
        `/v1/dead-letters/${id}`,
      )
    ).body.status;

  it("lists parked dead letters with their reasons; Replay re-runs one, Discard dismisses the other", async () => {
    await page.goto("/ui/");
    await page.getByLabel("API token").fill(plane.adminToken);
    await page.getByRole("button", { name: "Sign in" }).click();
    await page.getByRole("button", { name: "Sign out" }).waitFor();
    await page.getByRole("link", { name: "Dead letters" }).click();
    await page.getByRole("heading", { name: "Dead letters" }).waitFor();
    await expect.poll(() => rows().count()).toBe(2);
    const heartbeat = rows().filter({ hasText: "heartbeat" });
    expect(await heartbeat.textContent()).toContain("gave up after 5 attempts: the lock was held");

    await heartbeat.getByRole("button", { name: "Replay" }).click();
    await page.locator(".ant-popconfirm").getByRole("button", { name: "Replay" }).click();
    await expect.poll(() => statusOf(ids.heartbeat)).toBe("replayed");
    // the control plane's own queue delivered it and the job ran
    await expect
      .poll(
        () =>
          plane
            .output()
            .split("\n")
            .some((l) => l.includes("scheduler heartbeat") && l.includes('"trigger":"queue"')),
        {
          timeout: 20_000,
        },
      )
      .toBe(true);
    await expect.poll(() => rows().count()).toBe(1);

    const nonsense = rows().filter({ hasText: "not a job message" });
    await nonsense.getByRole("button", { name: "Discard" }).click();
    await page.locator(".ant-popconfirm").getByRole("button", { name: "Discard" }).click();
    await expect.poll(() => statusOf(ids.nonsense)).toBe("discarded");
    await expect.poll(() => rows().count()).toBe(0);
  });
});
