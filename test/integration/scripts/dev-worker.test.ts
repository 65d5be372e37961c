/**
 * `npm run dev:worker` exactly as the Workers guide documents it, as a child
 * process on a free port: it migrates the database it is given, starts the
 * Neon proxy and the Upstash bridge, runs `wrangler dev --local
 * --test-scheduled`, and prints the URL and a generated admin token. The
 * documented `npm run smoke` passes against it, `/__scheduled` fires the cron,
 * and a terminal's Ctrl-C (SIGINT to the process group) stops everything:
 * no wrangler or workerd left behind, its temp dir removed.
 */
import { type ChildProcess, execFile, spawn } from "node:child_process";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import net from "node:net";
import path from "node:path";
import { promisify } from "node:util";
import { eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Database } from "../../../drizzle/client.ts";
import { openNodePostgres } from "../../../drizzle/drivers/node-postgres.ts";
import { apiTokens } from "../../../drizzle/schema/index.ts";
import { hashToken } from "../../../functions/lib/tokens.ts";
import { ROOT } from "../../../scripts/build-worker.ts";
import { READY_LINE } from "../../../scripts/dev-worker.ts";
import { createTestDatabase, requirePostgres, type TestDatabase } from "../../support/postgres.ts";
import { redisAvailable } from "../../support/upstash-bridge.ts";

const run = promisify(execFile);
const READY_WITHIN_MS = 150_000;
const STOP_WITHIN_MS = 20_000;
const ok = (await requirePostgres()) && (await redisAvailable());

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

/** Every live process whose ancestry leads to `root` (from /proc). */
function descendants(root: number): number[] {
  const parent = new Map<number, number>();
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, "utf8");
      parent.set(Number(entry), Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]));
    } catch {
      // exited while we looked
    }
  }
  return [...parent.keys()].filter((pid) => {
    for (let p = parent.get(pid); p !== undefined && p > 1; p = parent.get(p)) if (p === root) return true;
    return false;
  });
}

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return existsSync(`/proc/${pid}`) && !readFileSync(`/proc/${pid}/stat`, "utf8").includes(") Z ");
  } catch {
    return false;
  }
};

const commandLine = (pid: number) => {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, "utf8").replaceAll("\0", " ").trim();
  } catch {
    return "";
  }
};

describe.skipIf(!ok)("npm run dev:worker", () => {
  let database: TestDatabase;
  let db: Database;
  let child: ChildProcess;
  let output = "";
  let port: number;
  let exited: Promise<number | null>;

  beforeAll(async () => {
    // not migrated: dev:worker must migrate what it is given
    database = await createTestDatabase({ migrated: false });
    port = await freePort();
    const env: NodeJS.ProcessEnv = {
      ...process.env,
      DATABASE_URL: database.url,
      KSP_COORDINATION_PREFIX: `kspdevw${process.pid}:`,
    };
    delete env.KSP_ADMIN_TOKEN;
    // its own process group, as a terminal runs it, so SIGINT to the group is a Ctrl-C
    child = spawn("npm", ["run", "dev:worker", "--", "--port", String(port)], {
      cwd: ROOT,
      env,
      detached: true,
      stdio: ["ignore", "pipe", "pipe"],
    });
    exited = new Promise((resolve) => child.once("exit", (code) => resolve(code)));
    child.stdout?.on("data", (chunk: Buffer) => {
      output += chunk.toString("utf8");
    });
    child.stderr?.on("data", (chunk: Buffer) => {
      output += chunk.toString("utf8");
    });
    const started = Date.now();
    while (!output.includes(READY_LINE)) {
      if (child.exitCode !== null) throw new Error(`dev:worker exited early:\n${output}`);
      if (Date.now() - started > READY_WITHIN_MS) throw new Error(`dev:worker not ready in time:\n${output}`);
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
    db = await openNodePostgres(database.url);
  }, READY_WITHIN_MS + 30_000);

  afterAll(async () => {
    if (child?.pid && child.exitCode === null) {
      try {
        process.kill(-child.pid, "SIGKILL");
      } catch {
        // gone
      }
    }
    await db?.close();
    await database?.drop();
  });

  const tokenOf = () => /KSP_ADMIN_TOKEN=(ksp_adm_[A-Za-z0-9_-]+)/.exec(output)?.[1];
  const url = () => `http://127.0.0.1:${port}`;

  it("prints the URL, a generated admin token and how to fire the cron", () => {
    expect(output).toContain(`${READY_LINE}: ${url()}`);
    expect(tokenOf()).toMatch(/^ksp_adm_[A-Za-z0-9_-]{43}$/);
    expect(output).toContain(`curl "${url()}/__scheduled?cron=*+*+*+*+*"`);
    // the token is printed once, in the banner; wrangler lists the variables hidden
    expect(output.split(tokenOf()!).length - 1).toBe(1);
    expect(output).toContain('env.KSP_ADMIN_TOKEN ("(hidden)")');
  });

  it("the smoke script passes against it, with the cron tick; a wrong token fails it", async () => {
    const token = tokenOf()!;
    const passed = await run("npm", ["run", "--silent", "smoke", "--", "--url", url(), "--cron"], {
      cwd: ROOT,
      env: { ...process.env, KSP_TOKEN: token },
      timeout: 60_000,
    });
    for (const line of [
      "ok   GET /healthz",
      "ok   GET /readyz",
      "ok   GET /v1/tokens/self",
      "ok   POST /v1/clusters",
      "ok   GET /v1/clusters/{id}",
      "ok   DELETE /v1/clusters/{id}",
      "ok   GET /__scheduled",
    ]) {
      expect(passed.stdout).toContain(line);
    }
    expect(passed.stdout).not.toContain(token);
    // the token was made the bootstrap admin token in the database dev:worker migrated
    const rows = await db.db
      .select({ hash: apiTokens.tokenHash, revokedAt: apiTokens.revokedAt })
      .from(apiTokens)
      .where(eq(apiTokens.name, "bootstrap-admin"));
    expect(rows).toEqual([{ hash: await hashToken(token), revokedAt: null }]);

    const failed = await run(
      "npm",
      ["run", "--silent", "smoke", "--", "--url", url(), "--token", `ksp_adm_${"x".repeat(43)}`],
      { cwd: ROOT, timeout: 60_000 },
    ).then(
      () => undefined,
      (err: { code?: number; stderr?: string }) => err,
    );
    expect(failed?.code).toBe(1);
    expect(failed?.stderr).toContain("FAIL GET /v1/tokens/self: 401");
  });

  it("fires the cron through /__scheduled", async () => {
    const res = await fetch(`${url()}/__scheduled?cron=*+*+*+*+*`);
    expect(res.status).toBe(200);
    expect(await res.text()).toContain("Ran scheduled event");
    await expect.poll(() => output.includes('"trigger":"cron:* * * * *"'), { timeout: 10_000 }).toBe(true);
  });

  it(
    "Ctrl-C stops wrangler, workerd and the stand-ins, and removes its temp dir",
    async () => {
      const pid = child.pid!;
      const tree = descendants(pid);
      expect(tree.map(commandLine).some((cmd) => cmd.includes("workerd"))).toBe(true);
      const tempDir = /Using secrets defined in (\S+)\/dev\.vars/.exec(output)?.[1];
      expect(tempDir).toBeDefined();

      process.kill(-pid, "SIGINT");
      const code = await Promise.race([
        exited,
        new Promise<"timeout">((resolve) => setTimeout(() => resolve("timeout"), STOP_WITHIN_MS)),
      ]);
      expect(code).not.toBe("timeout");
      await expect
        .poll(() => tree.filter(alive).map((p) => `${p} ${commandLine(p)}`), { timeout: STOP_WITHIN_MS })
        .toEqual([]);
      // nothing listens on the port any more
      await expect(fetch(`${url()}/healthz`)).rejects.toThrow();
      expect(existsSync(path.resolve(ROOT, tempDir!))).toBe(false);
    },
    STOP_WITHIN_MS * 3,
  );
});
