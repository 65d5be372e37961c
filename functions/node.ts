/**
 * Node entry (`npm start`). With no environment at all it runs embedded:
 * PGlite under .data/, migrations applied, in-process coordination, HTTP on
 * 127.0.0.1:8787. Start-up failures end the process with exit code 1 and one
 * line per problem on stderr: `ksp: cannot start: <reason>`, no stack trace.
 */
import type { Server } from "node:http";
import type { AddressInfo } from "node:net";
import { createAdaptorServer } from "@hono/node-server";
import { createLogger } from "../shared/logger.ts";
import { composeNode, type NodeRuntime } from "./composition/node.ts";
import { withUnreadBodyHandling } from "./composition/node-http.ts";
import { parseNodeEnv } from "./env.ts";

const SHUTDOWN_GRACE_MS = 10_000;

function fail(reasons: string[]): never {
  for (const reason of reasons) process.stderr.write(`ksp: cannot start: ${reason}\n`);
  process.exit(1);
}

/** First line only, with any URL credentials blanked: this goes to a terminal or a log collector. */
function reasonOf(err: unknown): string {
  const text = err instanceof Error ? err.message : String(err);
  const line = (text.split("\n")[0] ?? "").trim() || "unknown error";
  return line.replace(/\/\/[^/@\s]*@/g, "//****@");
}

function listen(server: Server, port: number, host: string): Promise<AddressInfo> {
  return new Promise((resolve, reject) => {
    const onError = (err: NodeJS.ErrnoException) =>
      reject(new Error(err.code === "EADDRINUSE" ? `${host}:${port} is already in use` : reasonOf(err)));
    server.once("error", onError);
    server.listen(port, host, () => {
      server.off("error", onError);
      resolve(server.address() as AddressInfo);
    });
  });
}

/** Printed straight to stdout, not through the logger (which would mask it), and only this once. */
function announceGeneratedToken(token: string): void {
  process.stdout.write(
    [
      "",
      "=================================================================================",
      "ksp: a bootstrap admin token was generated; it is shown ONCE and never again:",
      `KSP_BOOTSTRAP_ADMIN_TOKEN=${token}`,
      "=================================================================================",
      "",
    ].join("\n"),
  );
}

async function main(): Promise<void> {
  const parsed = parseNodeEnv(process.env);
  if (!parsed.ok) fail(parsed.problems);
  const settings = parsed.settings;
  const logger = createLogger({ level: settings.logLevel });

  let runtime: NodeRuntime;
  let address: AddressInfo;
  let server: Server;
  try {
    runtime = await composeNode(settings, { logger });
    // Answers sent before the body was read must not leave the connection in doubt.
    const fetch = withUnreadBodyHandling((request, env) => runtime.app.fetch(request, env));
    server = createAdaptorServer({
      fetch: fetch as Parameters<typeof createAdaptorServer>[0]["fetch"],
    }) as Server;
    address = await listen(server, settings.port, settings.host).catch(async (err: unknown) => {
      await runtime.close().catch(() => undefined);
      throw err;
    });
  } catch (err) {
    fail([reasonOf(err)]);
  }

  if (runtime.adminToken.outcome === "generated") announceGeneratedToken(runtime.adminToken.token);
  runtime.startBackground();
  logger.info("ksp control plane listening", {
    url: `http://${address.address}:${address.port}`,
    database: runtime.database.describe(),
    coordination: settings.upstash ? "upstash" : "in-process",
    bootstrapAdmin: runtime.adminToken.outcome,
  });

  let stopping = false;
  const shutdown = (signal: string) => {
    if (stopping) {
      logger.warn("second signal; exiting now", { signal });
      process.exit(1);
    }
    stopping = true;
    logger.info("shutting down", { signal });
    const force = setTimeout(() => {
      logger.error("shutdown took too long; exiting", { graceMs: SHUTDOWN_GRACE_MS });
      process.exit(1);
    }, SHUTDOWN_GRACE_MS);
    force.unref();
    // In-flight requests finish before the database they use is closed.
    const serverClosed = new Promise<void>((resolve) => server.close(() => resolve()));
    server.closeIdleConnections();
    serverClosed
      .then(() => runtime.close())
      .then(() => process.exit(0))
      .catch((err: unknown) => {
        logger.error("shutdown failed", { error: err });
        process.exit(1);
      });
  };
  process.on("SIGINT", () => shutdown("SIGINT"));
  process.on("SIGTERM", () => shutdown("SIGTERM"));
}

main().catch((err: unknown) => fail([reasonOf(err)]));
