/**
 * `npm run dev:worker`: the Worker on this machine as `wrangler dev` runs it,
 * against real Postgres and real Redis through the same stand-ins the tests
 * use (test/support): the Neon WebSocket proxy in front of the local
 * Postgres, and the Upstash REST bridge in front of the local Redis.
 *
 * 1. DATABASE_URL (default postgres://postgres@127.0.0.1:5432/ksp_dev) is
 *    created if missing and migrated;
 * 2. the proxy and the bridge start on free loopback ports;
 * 3. the Worker's variables go to a `.dev.vars`-style file in a temp dir
 *    (never in the repository; removed at exit), passed with --env-file:
 *    DATABASE_URL, NEON_WS_PROXY, UPSTASH_*, KSP_ADMIN_TOKEN (generated and
 *    printed once unless given), and any other Worker setting found in this
 *    environment (KSP_ENCRYPTION_KEYS, QSTASH_*, …);
 * 4. `wrangler dev --local --test-scheduled` serves it, state under the temp dir.
 *
 * Ctrl-C (or SIGTERM) stops wrangler (and its workerd), then the stand-ins.
 *
 *   npm run dev:worker [-- --port 8787] [--redis-url redis://127.0.0.1:6379]
 */
import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import pg from "pg";
import { openDatabase } from "../drizzle/client.ts";
import { migrateDatabase } from "../drizzle/migrate.ts";
import { ADMIN_TOKEN_PATTERN, WORKER_VARIABLES } from "../functions/env.ts";
import { generateToken } from "../functions/lib/tokens.ts";
import { type NeonProxy, startNeonProxy } from "../test/support/neon-proxy.ts";
import { DEFAULT_REDIS_URL, startUpstashBridge, type UpstashBridge } from "../test/support/upstash-bridge.ts";
import { ROOT } from "./build-worker.ts";

export const DEFAULT_DEV_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/ksp_dev";
export const DEFAULT_DEV_PORT = 8787;
/** Printed once everything answers; tests and scripts wait for this line. */
export const READY_LINE = "ksp dev:worker ready";
const WRANGLER_READY = /Ready on (https?:\/\/\S+)/;
const STOP_GRACE_MS = 10_000;
// Set by this script itself; anything else the Worker reads is passed through from the environment.
const OWN = new Set([
  "DATABASE_URL",
  "NEON_WS_PROXY",
  "UPSTASH_REDIS_REST_URL",
  "UPSTASH_REDIS_REST_TOKEN",
  "KSP_ADMIN_TOKEN",
]);

function say(line: string): void {
  process.stdout.write(`${line}\n`);
}

function fail(reason: string): never {
  process.stderr.write(`dev:worker: ${reason}\n`);
  process.exit(1);
}

/** Creates the database when it does not exist yet (a local development server; the URL's user must be allowed to). */
async function ensureDatabase(databaseUrl: string): Promise<void> {
  const url = new URL(databaseUrl);
  const name = decodeURIComponent(url.pathname.slice(1));
  if (!/^[A-Za-z0-9_-]{1,63}$/.test(name))
    throw new Error("DATABASE_URL must name a database (A-Z a-z 0-9 _ -)");
  url.pathname = "/postgres";
  const client = new pg.Client({ connectionString: url.toString(), connectionTimeoutMillis: 5_000 });
  await client.connect();
  try {
    const found = await client.query("select 1 from pg_database where datname = $1", [name]);
    if (found.rowCount === 0) {
      await client.query(`create database "${name}"`);
      say(`created database ${name}`);
    }
  } finally {
    await client.end();
  }
}

async function migrate(databaseUrl: string): Promise<void> {
  const database = await openDatabase({ runtime: "node", databaseUrl });
  try {
    await migrateDatabase(database);
  } finally {
    await database.close();
  }
}

/** One `NAME=value` per line, as .dev.vars; values are quoted so that `#` or spaces survive. */
function devVars(vars: Record<string, string>): string {
  return Object.entries(vars)
    .map(([name, value]) => `${name}=${JSON.stringify(value)}\n`)
    .join("");
}

function targetOf(databaseUrl: string): { host: string; port: number } {
  const url = new URL(databaseUrl);
  return { host: url.hostname || "127.0.0.1", port: Number(url.port || 5432) };
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      port: { type: "string", default: String(DEFAULT_DEV_PORT) },
      "redis-url": { type: "string", default: DEFAULT_REDIS_URL },
      help: { type: "boolean", default: false },
    },
  });
  if (values.help) {
    say("usage: npm run dev:worker -- [--port 8787] [--redis-url redis://127.0.0.1:6379]");
    say(
      "  DATABASE_URL (default postgres://postgres@127.0.0.1:5432/ksp_dev), KSP_ADMIN_TOKEN (default generated)",
    );
    return;
  }
  const port = Number(values.port);
  if (!Number.isInteger(port) || port < 1 || port > 65535) fail("--port must be a port number");
  const databaseUrl = process.env.DATABASE_URL || DEFAULT_DEV_DATABASE_URL;
  const given = process.env.KSP_ADMIN_TOKEN || undefined;
  if (given !== undefined && !ADMIN_TOKEN_PATTERN.test(given)) {
    fail("KSP_ADMIN_TOKEN must be ksp_adm_ followed by 32 to 256 characters of A-Z a-z 0-9 _ -");
  }
  const adminToken = given ?? generateToken("api");

  let proxy: NeonProxy | undefined;
  let bridge: UpstashBridge | undefined;
  let wrangler: ChildProcess | undefined;
  const dir = mkdtempSync(join(tmpdir(), "ksp-dev-worker-"));
  let stopping: Promise<void> | undefined;
  const stop = (code: number) => {
    stopping ??= (async () => {
      await stopWrangler(wrangler);
      await proxy?.close().catch(() => undefined);
      await bridge?.close().catch(() => undefined);
      rmSync(dir, { recursive: true, force: true });
      process.exit(code);
    })();
    return stopping;
  };
  process.on("SIGINT", () => void stop(0));
  process.on("SIGTERM", () => void stop(0));

  try {
    await ensureDatabase(databaseUrl);
    await migrate(databaseUrl);
    say(`database migrated: ${new URL(databaseUrl).host}${new URL(databaseUrl).pathname}`);
    const target = targetOf(databaseUrl);
    proxy = await startNeonProxy(target.host, target.port);
    bridge = await startUpstashBridge({ redisUrl: values["redis-url"] });
  } catch (err) {
    process.stderr.write(`dev:worker: ${err instanceof Error ? err.message.split("\n")[0] : String(err)}\n`);
    await stop(1);
    return;
  }

  const passedThrough = Object.fromEntries(
    WORKER_VARIABLES.filter((name) => !OWN.has(name) && process.env[name]).map((name) => [
      name,
      process.env[name] as string,
    ]),
  );
  const varsFile = join(dir, "dev.vars");
  writeFileSync(
    varsFile,
    devVars({
      ...passedThrough,
      DATABASE_URL: databaseUrl,
      NEON_WS_PROXY: `127.0.0.1:${proxy.port}/v1`,
      UPSTASH_REDIS_REST_URL: bridge.url,
      UPSTASH_REDIS_REST_TOKEN: bridge.token,
      KSP_ADMIN_TOKEN: adminToken,
    }),
    { mode: 0o600 },
  );

  const args = [
    "dev",
    "--local",
    "--test-scheduled",
    "--ip",
    "127.0.0.1",
    "--port",
    String(port),
    "--env-file",
    varsFile,
    "--persist-to",
    join(dir, "state"),
    "--show-interactive-dev-session=false",
  ];
  // Its own process group: a terminal's Ctrl-C reaches this script, which stops wrangler in order.
  wrangler = spawn(join(ROOT, "node_modules", ".bin", "wrangler"), args, {
    cwd: ROOT,
    detached: true,
    stdio: ["ignore", "pipe", "pipe"],
    // no telemetry; no fetch of Cloudflare's `request.cf` sample (offline it only waits and warns)
    env: {
      ...withoutWorkerVariables(process.env),
      WRANGLER_SEND_METRICS: "false",
      CLOUDFLARE_CF_FETCH_ENABLED: "false",
    },
  });
  wrangler.stderr?.pipe(process.stderr);
  wrangler.once("exit", (code, signal) => {
    if (!stopping) {
      process.stderr.write(`dev:worker: wrangler exited (${signal ?? `exit ${code}`})\n`);
      void stop(1);
    }
  });
  let buffered = "";
  let announced = false;
  wrangler.stdout?.on("data", (chunk: Buffer) => {
    process.stdout.write(chunk);
    if (announced) return;
    buffered += chunk.toString("utf8");
    const ready = WRANGLER_READY.exec(buffered);
    if (!ready) return;
    announced = true;
    buffered = "";
    announce(`http://127.0.0.1:${port}`, adminToken, given === undefined);
  });
}

/** wrangler would read these from its own environment too; the Worker gets exactly the file. */
function withoutWorkerVariables(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  const copy = { ...env };
  for (const name of WORKER_VARIABLES) delete copy[name];
  return copy;
}

function announce(url: string, token: string, generated: boolean): void {
  say(
    [
      "",
      "=================================================================================",
      `${READY_LINE}: ${url}`,
      generated
        ? `KSP_ADMIN_TOKEN=${token}   (generated for this run; shown once; set KSP_ADMIN_TOKEN to keep one)`
        : "KSP_ADMIN_TOKEN: the one you gave",
      `  curl -H "Authorization: Bearer $KSP_ADMIN_TOKEN" ${url}/v1/clusters`,
      `  npm run smoke -- --url ${url} --token "$KSP_ADMIN_TOKEN"`,
      `  fire the cron: curl "${url}/__scheduled?cron=*+*+*+*+*"`,
      "Ctrl-C stops wrangler, the Neon proxy and the Upstash bridge.",
      "=================================================================================",
      "",
    ].join("\n"),
  );
}

/** SIGINT to wrangler's group (it stops workerd), SIGKILL to what is left after the grace period. */
async function stopWrangler(child: ChildProcess | undefined): Promise<void> {
  if (!child?.pid || child.exitCode !== null || child.signalCode !== null) return;
  const pid = child.pid;
  const signalGroup = (signal: NodeJS.Signals) => {
    try {
      process.kill(-pid, signal);
    } catch {
      // the group is gone
    }
  };
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  signalGroup("SIGINT");
  const timer = setTimeout(() => signalGroup("SIGKILL"), STOP_GRACE_MS);
  await exited;
  clearTimeout(timer);
  // workerd, if wrangler left it behind
  signalGroup("SIGKILL");
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  main().catch((err: unknown) =>
    fail(err instanceof Error ? (err.message.split("\n")[0] ?? "") : String(err)),
  );
}
