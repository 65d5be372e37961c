/**
 * The web console at /ui (issue 15, "Web console") in real Chromium, against the control plane as
 * `npm start` runs it, on Postgres, seeded through its API: an admin signs in, sees the overview,
 * the clusters, a pool, filters the machines, dry-runs a CSV import with one bad row (nothing is
 * written), puts a machine in maintenance and restores it, sees the events, and signs out; a
 * viewer sees no mutating buttons and is told clearly when a page needs another role. A pool the
 * agent was refused machines for (through the real agent route) says why it did not scale. A cluster
 * imported from a kubeconfig shows beside the agent one, with the API server check the control plane's
 * own probe job stored (unreachable: a closed port), its error on hover, and the list's filters.
 * Each view's screenshot goes to .test-report/screenshots/<view>.png.
 */
import { readFile } from "node:fs/promises";
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { launchChromium, openPage, requireChromium, type WatchedPage } from "../../support/browser.ts";
import { closedPort } from "../../support/closed-port.ts";
import { CONSOLE_BUILD_TIMEOUT_MS, ensureConsoleBuilt } from "../../support/console-build.ts";
import {
  apiCall,
  type ConsoleSeed,
  FAULT_REASON,
  GPU_MACHINES,
  type PlaneClient,
  REFUSED_DELTA,
  refusedScaleUp,
  seedBulkMachines,
  seedConsole,
  seedKubeconfigCluster,
} from "../../support/console-seed.ts";
import { type ServedControlPlane, startServedControlPlane } from "../../support/console-server.ts";
import { createTestDatabase, requirePostgres, type TestDatabase } from "../../support/postgres.ts";

const ready = (await requireChromium()) && (await requirePostgres());
const TOKEN_KEY = "ksp.console.token";
/**
 * The scheduler ticks this often (default: a minute), so its sample-pool-status job records the
 * seeded pools within seconds and the history charts have a point to draw.
 */
const SCHEDULER_INTERVAL_SECONDS = "2";

/** A locator that never appears fails the step in 20 s, naming itself, instead of the test timing out. */
async function watch(browser: Browser, url: string): Promise<WatchedPage> {
  const watched = await openPage(browser, url);
  watched.page.setDefaultTimeout(20_000);
  return watched;
}

async function signIn(page: Page, token: string): Promise<void> {
  await page.goto("/ui/");
  await page.getByLabel("API token").fill(token);
  await page.getByRole("button", { name: "Sign in" }).click();
  await page.getByRole("button", { name: "Sign out" }).waitFor();
}

/**
 * What the browser complained about, less the refusals a test provokes on purpose and the console
 * shows: Chromium logs every 4xx answer as a console error ("Failed to load resource"). Signing in
 * is one GET /v1/tokens/self, so no role or scope probe is refused along the way.
 */
function unexpected(problems: string[], expected: { status: number; path: string }[]): string[] {
  return problems.filter(
    (p) =>
      !expected.some(
        (e) =>
          p.includes(`status of ${e.status} `) && p.includes(e.path) && p.startsWith("console error: Failed"),
      ),
  );
}

/** The table rows antd renders for data (not its measure or placeholder rows). */
function dataRows(page: Page) {
  return page.locator(".ant-table-tbody .ant-table-row, .ant-table-tbody-virtual .ant-table-row");
}

describe.skipIf(!ready)("the web console in Chromium", () => {
  let database: TestDatabase;
  let plane: ServedControlPlane;
  let browser: Browser;
  let client: PlaneClient;
  let seed: ConsoleSeed;
  /** imported from a kubeconfig whose API server is a closed port: the probe job finds it unreachable */
  let imported: { id: string; name: string };

  beforeAll(async () => {
    await ensureConsoleBuilt();
    database = await createTestDatabase();
    [plane, browser] = await Promise.all([
      startServedControlPlane({
        DATABASE_URL: database.url,
        KSP_SCHEDULER_INTERVAL_SECONDS: SCHEDULER_INTERVAL_SECONDS,
        // kubeconfigs are sealed: a key, and short checks for the probe job
        KSP_ENCRYPTION_KEYS: `console:${Buffer.from(crypto.getRandomValues(new Uint8Array(32))).toString("base64")}`,
        KSP_CLUSTER_PROBE_TIMEOUT_SECONDS: "2",
      }),
      launchChromium(),
    ]);
    client = { url: plane.url, token: plane.adminToken };
    seed = await seedConsole(client);
    imported = await seedKubeconfigCluster(
      client,
      "edge-imported",
      `https://127.0.0.1:${await closedPort()}`,
    );
  }, CONSOLE_BUILD_TIMEOUT_MS);

  afterAll(async () => {
    await browser?.close();
    await plane?.stop();
    await database?.drop();
  });

  describe("as an admin", () => {
    let watched: WatchedPage;
    let page: Page;

    beforeAll(async () => {
      watched = await watch(browser, plane.url);
      page = watched.page;
    });

    it("refuses a wrong token with the API's message and request id", async () => {
      await page.goto("/ui/");
      await watched.screenshot("sign-in");
      await page.getByLabel("API token").fill("ksp_api_not-a-real-token");
      await page.getByRole("button", { name: "Sign in" }).click();
      const alert = page.getByRole("alert");
      await expect.poll(() => alert.textContent()).toMatch(/Sign-in failed/);
      expect(await alert.textContent()).toMatch(/request id/);
      expect(await page.evaluate((k) => sessionStorage.getItem(k), TOKEN_KEY)).toBeNull();
    });

    it("signs in with the token kept in session storage only, and shows the overview", async () => {
      await signIn(page, plane.adminToken);
      await expect
        .poll(() => page.getByLabel("Signed in as").textContent())
        .toMatch(/^bootstrap-admin · admin ?all clusters$/);
      expect(await page.evaluate((k) => sessionStorage.getItem(k), TOKEN_KEY)).toBe(plane.adminToken);
      expect(await page.evaluate(() => Object.keys(localStorage))).toEqual([]);
      expect(page.url()).not.toContain(plane.adminToken);
      await page.getByRole("heading", { name: "Overview" }).waitFor();
      await page.getByRole("link", { name: seed.clusterName }).first().waitFor();
      await page.locator(".recharts-bar-rectangle").first().waitFor();
      // the counts are GET /v1/machines/summary's: in clusters = total - free, and the free available ones
      const summary = (await apiCall(client, "GET", "/v1/machines/summary")).body;
      const statistic = (title: string) =>
        page.locator(".ant-statistic").filter({ hasText: title }).locator(".ant-statistic-content-value");
      const digits = async (title: string) => (await statistic(title).textContent())?.replace(/\D/g, "");
      await expect
        .poll(() => digits("Machines in clusters"))
        .toBe(String(summary.total - summary.free.total));
      await expect
        .poll(() => digits("Free machines available"))
        .toBe(String(summary.free.byStatus.available));
      expect(summary.total).toBeGreaterThan(0);
      await watched.screenshot("overview");
    });

    it("shows a kubeconfig cluster beside the agent one, its API server check and the filters", async () => {
      // the scheduler's probe-clusters job, not the test, checks the imported cluster's API server
      const apiServer = async () =>
        (await apiCall(client, "GET", `/v1/clusters/${imported.id}`)).body.apiServer?.status ?? "unchecked";
      await expect.poll(apiServer, { timeout: 30_000 }).toBe("unreachable");
      await page.getByRole("menuitem", { name: "Clusters" }).click();
      await page.getByRole("heading", { name: "Clusters" }).waitFor();
      const row = (name: string) =>
        dataRows(page).filter({ has: page.getByRole("link", { name, exact: true }) });
      await expect.poll(() => row(imported.name).textContent()).toContain("unreachable");
      const importedRow = await row(imported.name).textContent();
      expect(importedRow).toContain("kubeconfig");
      expect(importedRow).not.toContain("agent");
      const agentRow = await row(seed.clusterName).textContent();
      expect(agentRow).toContain("agent");
      expect(agentRow).toContain("Kubernetes v1.31.2");
      // the check's error on hover
      await row(imported.name).getByText("unreachable", { exact: true }).hover();
      await expect.poll(() => page.getByRole("tooltip").textContent()).toMatch(/ECONNREFUSED|refused/i);
      await watched.screenshot("clusters-kubeconfig");

      await page.getByLabel("API server status").click();
      await page.locator(".ant-select-item-option").filter({ hasText: "unreachable" }).click();
      await expect.poll(() => dataRows(page).count()).toBe(1);
      expect(await dataRows(page).first().textContent()).toContain(imported.name);
      // filters live in the page: a reload starts without them
      await page.reload();
      await expect.poll(() => dataRows(page).count()).toBe(2);
      await page.getByLabel("Access").click();
      await page
        .locator(".ant-select-item-option")
        .filter({ hasText: /^agent$/ })
        .click();
      await expect.poll(() => dataRows(page).count()).toBe(1);
      expect(await dataRows(page).first().textContent()).toContain(seed.clusterName);
    });

    it("shows the clusters and a cluster's pools with their counts", async () => {
      await page.getByRole("menuitem", { name: "Clusters" }).click();
      await page.getByRole("heading", { name: "Clusters" }).waitFor();
      await page.getByRole("button", { name: "Rotate token" }).first().waitFor();
      await watched.screenshot("clusters");
      await page.getByRole("link", { name: seed.clusterName }).click();
      await page.getByRole("heading", { name: `Pools of ${seed.clusterName}` }).waitFor();
      await expect.poll(() => dataRows(page).first().textContent()).toContain(seed.poolName);
      await page.getByRole("switch", { name: `Autoscaling of ${seed.poolName}` }).waitFor();
      await watched.screenshot("pools");
      // the scheduler's sampling job, not the test, records the pool's first sample
      const history = `/v1/clusters/${seed.clusterId}/pools/${seed.poolId}/history`;
      await expect
        .poll(async () => (await apiCall(client, "GET", history)).body.samples.length, { timeout: 30_000 })
        .toBeGreaterThan(0);
      await page.getByRole("link", { name: seed.poolName }).click();
      await page.getByText("Why didn't it scale?").waitFor();
      const chart = page.locator(".ant-card").filter({ hasText: "Machines by status over time" }).last();
      // one sample so far: recharts draws a lone point as dots (an area needs two)
      await chart
        .locator(".recharts-area-dot, path.recharts-area-area")
        .first()
        .waitFor({ state: "attached" });
      expect(await chart.getByText("No samples in this window").count()).toBe(0);
      await watched.screenshot("pool");
    });

    it("says why a pool did not scale: the refused scale-up, its reasons and repeats, the faulty machine", async () => {
      await page.goto(`/ui/clusters/${seed.clusterId}`);
      await page.getByRole("link", { name: seed.gpuPoolName }).click();
      const scaleUp = page.locator(".ant-card").filter({ hasText: "Last scale-up" }).last();
      await expect.poll(() => scaleUp.textContent()).toContain(`0 of ${REFUSED_DELTA} machines granted`);
      const text = (await scaleUp.textContent()) ?? "";
      expect(text).toContain("refused");
      expect(text).toContain("requirements_unmet");
      expect(text).toMatch(/requirement gpuType rules out \d+ of \d+ free machines/);
      expect(text).toContain("not_enough_machines");
      expect(text).not.toContain("times in a row");
      const blockers = page.locator(".ant-card").filter({ hasText: "Machines holding the pool back" }).last();
      expect(await blockers.textContent()).toContain(`fault${seed.faultyHostname}: ${FAULT_REASON}`);
      await blockers.getByRole("link", { name: seed.faultyHostname }).waitFor();

      // Cluster Autoscaler asks again, and is refused again for the same reasons: one decision, repeated
      await refusedScaleUp(client, seed.agentCredential, seed.gpuPoolId, "ca-console-2");
      await page.reload();
      await expect.poll(() => scaleUp.textContent()).toMatch(/\(2 times in a row since [^)]+\)/);
      expect(await scaleUp.textContent()).toContain(`0 of ${REFUSED_DELTA} machines granted`);
      await watched.screenshot("pool-why");
    });

    it("filters the machines on the server by label selector and by text", async () => {
      await page.getByRole("menuitem", { name: "Machines" }).click();
      await page.getByRole("heading", { name: "Machines" }).waitFor();
      await page.getByLabel("Label selector").fill("gpu=a100");
      await page.getByRole("button", { name: "Apply filters" }).click();
      await expect.poll(() => dataRows(page).count()).toBe(GPU_MACHINES);
      expect(new URL(page.url()).searchParams.get("labelSelector")).toBe("gpu=a100");
      for (const row of await dataRows(page).allTextContents()) expect(row).toMatch(/^gpu-/);
      await watched.screenshot("machines");
      await page.getByRole("button", { name: "Clear" }).click();
      await page.getByLabel("Search machines").fill(seed.plainHostnames[0]!);
      await page.getByRole("button", { name: "Apply filters" }).click();
      await expect.poll(() => dataRows(page).count()).toBe(1);
      expect(await dataRows(page).first().textContent()).toContain(seed.plainHostnames[0]);
    });

    it("pages 1,000 machines at a time from the server, and onwards by cursor", async () => {
      await seedBulkMachines(client, 1_050);
      await page.goto("/ui/machines?labelSelector=bulk%3Dyes");
      await page.getByText("rows 1–50").waitFor();
      await page.getByRole("combobox", { name: "Page size" }).click();
      await page.getByTitle("1000 / page").click();
      // two API pages of 500 behind one table page; the table renders only the rows in view
      await page.getByText("rows 1–1000").waitFor();
      await watched.screenshot("machines-1000");
      await page.getByRole("button", { name: "Next" }).click();
      await page.getByText("rows 1001–1050").waitFor();
      expect(await page.getByRole("button", { name: "Next" }).isDisabled()).toBe(true);
      await page.getByRole("button", { name: "Previous" }).click();
      await page.getByText("rows 1–1000").waitFor();
    });

    it("puts a machine in maintenance and restores it, and shows the events", async () => {
      const hostname = seed.plainHostnames[0]!;
      await page.goto(`/ui/machines?q=${hostname}`);
      await page
        .getByRole("link", { name: hostname })
        .or(page.getByText(hostname, { exact: true }))
        .first()
        .click();
      const drawer = page.locator(".ant-drawer-body");
      await drawer.getByRole("button", { name: "Maintenance" }).click();
      const dialog = page.getByRole("dialog", { name: `Maintenance: ${hostname}` });
      await dialog.getByLabel("Reason").fill("replace DIMM B2");
      await dialog.getByRole("button", { name: "Maintenance" }).click();
      await drawer.getByText("maintenance", { exact: true }).first().waitFor();
      const during = await apiCall(client, "GET", `/v1/machines/${hostname}`);
      expect(during.body.status).toBe("maintenance");
      expect(during.body.statusReason).toBe("replace DIMM B2");
      await expect.poll(() => drawer.textContent()).toContain("replace DIMM B2");
      await watched.screenshot("machine");

      await drawer.getByRole("button", { name: "Restore" }).click();
      await page.locator(".ant-popconfirm").getByRole("button", { name: "Restore" }).click();
      await expect
        .poll(async () => (await apiCall(client, "GET", `/v1/machines/${hostname}`)).body.status)
        .toBe("available");
      await expect.poll(() => drawer.locator(".ant-timeline-item").count()).toBeGreaterThanOrEqual(2);
      expect(await drawer.locator(".ant-timeline").textContent()).toContain("machine.transition");
      await page.keyboard.press("Escape");

      await page.getByRole("menuitem", { name: "Events" }).click();
      await page.getByRole("textbox", { name: "Machine" }).fill(hostname);
      await page.getByRole("button", { name: "Apply filters" }).click();
      await expect.poll(() => dataRows(page).count()).toBeGreaterThanOrEqual(2);
      expect(await dataRows(page).first().textContent()).toContain("machine.transition");
      await watched.screenshot("events");
    });

    it("dry-runs a CSV with one bad row: the row's error is shown and nothing is written", async () => {
      // each test starts from its own URL, so one that fails leaves the next unharmed
      await page.goto("/ui/import");
      const csv = [
        "hostname,ip,cpuCores,memoryBytes",
        "import-a.lab.example.net,10.30.0.1,8,17179869184",
        "import-b.lab.example.net,not-an-ip,8,17179869184",
        "import-c.lab.example.net,10.30.0.3,8,17179869184",
      ].join("\n");
      await page.getByLabel("Import data").fill(csv);
      await page.getByRole("button", { name: "Dry run" }).click();
      await page.getByText("Dry run: nothing was written.").waitFor();
      const errorRow = dataRows(page).filter({ hasText: "not-an-ip" });
      await expect.poll(() => errorRow.textContent()).toMatch(/error/);
      // CSV rows are numbered by their line, the header being line 1
      expect(await errorRow.locator("td").first().textContent()).toBe("3");
      const written = await apiCall(client, "GET", "/v1/machines?q=import-");
      expect(written.body.items).toEqual([]);
      expect(await page.getByRole("button", { name: "Apply import" }).isEnabled()).toBe(true);
      await watched.screenshot("import");

      // applying all-or-nothing is refused as a whole: the API's message and request id are shown
      await page.getByRole("button", { name: "Apply import" }).click();
      await expect.poll(() => page.getByRole("alert").first().textContent()).toMatch(/request id/);
      expect((await apiCall(client, "GET", "/v1/machines?q=import-")).body.items).toEqual([]);
    });

    it("exports the events as NDJSON through fetch, the token staying in a header", async () => {
      await page.goto("/ui/events");
      await page.getByRole("heading", { name: "Events" }).waitFor();
      const [download] = await Promise.all([
        page.waitForEvent("download"),
        page.getByRole("button", { name: "Export NDJSON" }).click(),
      ]);
      expect(download.suggestedFilename()).toBe("events.ndjson");
      expect(download.url()).toMatch(/^blob:/);
      const lines = (await readFile((await download.path())!, "utf8")).trim().split("\n");
      expect(lines.length).toBeGreaterThan(0);
      for (const line of lines) expect(JSON.parse(line)).toHaveProperty("kind");
    });

    it("shows the audit log, strategies and query templates", async () => {
      await page.getByRole("menuitem", { name: "Audit" }).click();
      await page.getByRole("heading", { name: "Audit log" }).waitFor();
      await expect.poll(() => dataRows(page).count()).toBeGreaterThan(0);
      await watched.screenshot("audit");
      await page.getByRole("menuitem", { name: "Strategies" }).click();
      await page.getByRole("heading", { name: "Strategies" }).waitFor();
      await watched.screenshot("strategies");
      await page.getByRole("menuitem", { name: "Query templates" }).click();
      await expect.poll(() => dataRows(page).first().textContent()).toContain(seed.templateName);
      expect(await dataRows(page).first().textContent()).toContain("gpuType eq A100");
      await watched.screenshot("query-templates");
    });

    it("lists the orders and ignores a pending one from its page", async () => {
      await page.getByRole("menuitem", { name: "Orders" }).click();
      await page.getByRole("link", { name: seed.orderNumber }).waitFor();
      await watched.screenshot("orders");
      await page.getByRole("link", { name: seed.orderNumber }).click();
      await page.getByRole("heading", { name: `Order ${seed.orderNumber}` }).waitFor();
      await page.getByRole("button", { name: "Ignore" }).click();
      await page.locator(".ant-popconfirm").getByRole("button", { name: "Ignore" }).click();
      await expect
        .poll(async () => (await apiCall(client, "GET", `/v1/orders/${seed.orderId}`)).body.status)
        .toBe("ignored");
      await page.getByText("ignored", { exact: true }).first().waitFor();
      expect(await page.getByRole("button", { name: "Approve" }).count()).toBe(0);
      await watched.screenshot("order");
    });

    it("signs out, forgetting the token", async () => {
      await page.goto("/ui/");
      await page.getByRole("button", { name: "Sign out" }).click();
      await page.getByLabel("API token").waitFor();
      expect(await page.evaluate((k) => sessionStorage.getItem(k), TOKEN_KEY)).toBeNull();
      const refusals = [
        { status: 401, path: "/v1/tokens/self" }, // the wrong token
        { status: 422, path: "/v1/machines/import" }, // the all-or-nothing import with a bad row
      ];
      expect(unexpected(watched.problems, refusals)).toEqual([]);
    });
  });

  describe("as a viewer", () => {
    let watched: WatchedPage;
    let page: Page;

    beforeAll(async () => {
      watched = await watch(browser, plane.url);
      page = watched.page;
      await signIn(page, seed.viewerToken);
    });

    it("sees the data but no mutating buttons", async () => {
      await expect
        .poll(() => page.getByLabel("Signed in as").textContent())
        .toMatch(/^browser-viewer · viewer ?all clusters$/);
      await page.getByRole("menuitem", { name: "Clusters" }).click();
      await page.getByRole("link", { name: seed.clusterName }).waitFor();
      expect(await page.getByRole("button", { name: "Rotate token" }).count()).toBe(0);
      await page.getByRole("link", { name: seed.clusterName }).click();
      await expect.poll(() => dataRows(page).first().textContent()).toContain(seed.poolName);
      expect(await page.getByRole("switch").count()).toBe(0);
      expect(await page.getByRole("button", { name: "Settings" }).count()).toBe(0);

      await page.getByRole("menuitem", { name: "Machines" }).click();
      await page.getByRole("heading", { name: "Machines" }).waitFor();
      await watched.screenshot("viewer-machines");
      await page.getByLabel("Search machines").fill(seed.gpuHostnames[0]!);
      await page.getByRole("button", { name: "Apply filters" }).click();
      await expect.poll(() => dataRows(page).count()).toBe(1);
      await page.getByText(seed.gpuHostnames[0]!, { exact: true }).click();
      const drawer = page.locator(".ant-drawer-body");
      await drawer.getByText("IP").first().waitFor();
      for (const name of ["Maintenance", "Mark faulty", "Restore", "Archive", "Assign"]) {
        expect(await drawer.getByRole("button", { name }).count()).toBe(0);
      }
      await watched.screenshot("viewer-machine");
      await page.keyboard.press("Escape");
      expect(await page.getByRole("menuitem", { name: "Audit" }).count()).toBe(0);
    });

    it("is told clearly that importing needs the operator role when it opens the page by URL", async () => {
      await page.goto("/ui/import");
      await page.getByText("Importing machines needs the operator role").waitFor();
      expect(await page.getByText("You are signed in with a viewer token").count()).toBe(1);
      expect(await page.getByRole("button", { name: "Dry run" }).count()).toBe(0);
      await watched.screenshot("viewer-import");
      await page.goto("/ui/audit");
      await page.getByText("Reading the audit log needs the admin role").waitFor();
      expect(unexpected(watched.problems, [])).toEqual([]);
    });
  });

  describe("as a cluster-scoped operator", () => {
    let watched: WatchedPage;
    let page: Page;

    beforeAll(async () => {
      watched = await watch(browser, plane.url);
      page = watched.page;
      await signIn(page, seed.scopedOperatorToken);
    });

    it("sees its cluster as its scope, and the API's refusal with its request id when it oversteps", async () => {
      await expect
        .poll(() => page.getByLabel("Signed in as").textContent())
        .toMatch(new RegExp(`^browser-scoped-operator · operator ?cluster ${seed.clusterName}$`));
      await page.getByRole("menuitem", { name: "Strategies" }).click();
      await page.getByRole("switch", { name: `Strategy ${seed.strategyName}` }).click();
      const notice = page.locator(".ant-notification-notice");
      await expect.poll(() => notice.textContent()).toContain("a cluster-scoped token cannot change them");
      expect(await notice.textContent()).toMatch(/request id [0-9a-f-]{8,}/);
      await watched.screenshot("refused");
      const strategies = await apiCall(client, "GET", "/v1/strategies");
      expect(strategies.body.items[0].status).toBe("enabled");
      expect(unexpected(watched.problems, [{ status: 403, path: "/disable" }])).toEqual([]);
    });
  });
});
