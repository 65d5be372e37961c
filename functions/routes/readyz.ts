/**
 * Readiness: the database answers, its migrations are those of this build,
 * and the coordination store answers. Each check is bounded in time, so a
 * hung dependency turns into a 503 instead of a hung probe.
 */
import { createRoute, type OpenAPIHono, z } from "@hono/zod-openapi";
import { sql } from "drizzle-orm";
import { migrationStatus } from "../../drizzle/migration-status.ts";
import { maskSecrets } from "../../shared/mask-secrets.ts";
import type { RequestScope } from "../composition/request-scope.ts";
import type { AppEnv } from "../http/hono-env.ts";
import { errorResponses } from "../http/openapi.ts";
import { isAppError } from "../lib/errors.ts";

const CheckSchema = z
  .object({ ok: z.boolean(), durationMs: z.number(), error: z.string().optional() })
  .catchall(z.unknown())
  .openapi("ReadinessCheck");

const ReadinessSchema = z
  .object({
    status: z.enum(["ready", "not_ready"]),
    checks: z.object({ database: CheckSchema, migrations: CheckSchema, coordination: CheckSchema }),
  })
  .openapi("Readiness");

type Check = z.infer<typeof CheckSchema>;

const route = createRoute({
  method: "get",
  path: "/readyz",
  operationId: "getReadyz",
  tags: ["health"],
  summary: "Readiness probe: database, migrations and coordination store",
  security: [],
  responses: {
    200: {
      description: "Every dependency answers",
      content: { "application/json": { schema: ReadinessSchema } },
    },
    503: {
      description: "A dependency is down",
      content: { "application/json": { schema: ReadinessSchema } },
    },
    // like any request, one declaring a body over the limit is refused before routing (app.ts);
    // (that entry alone: a failing check is the 503 above)
    413: errorResponses("payload_too_large")[413]!,
  },
});

class CheckTimeout extends Error {}

function withTimeout<T>(work: Promise<T>, ms: number): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new CheckTimeout(`no answer within ${ms} ms`)), ms);
  });
  return Promise.race([work, timeout]).finally(() => clearTimeout(timer));
}

/** The innermost cause says what went wrong ("connection refused"); wrappers only say where. */
function rootCause(err: unknown): unknown {
  let current = err;
  for (let depth = 0; depth < 5 && current instanceof Error && current.cause !== undefined; depth++) {
    current = current.cause;
  }
  return current;
}

/** One line, no credentials: this text is served to whoever can reach /readyz. */
function reasonOf(err: unknown): string {
  const cause = rootCause(err);
  const causeText = cause instanceof Error ? cause.message : String(cause);
  // An AppError's message is written for people; its cause adds the technical reason.
  const raw = isAppError(err) && cause !== err ? `${err.message}: ${causeText}` : causeText;
  const line = (raw.split("\n")[0] ?? "").replace(/\/\/[^/@\s]*@/g, "//****@");
  return String(maskSecrets(line)).slice(0, 200) || "failed";
}

async function timed(work: () => Promise<Record<string, unknown> | undefined>, ms: number): Promise<Check> {
  const started = performance.now();
  const durationMs = () => Math.round(performance.now() - started);
  try {
    const extra = await withTimeout(work(), ms);
    return { ok: true, durationMs: durationMs(), ...extra };
  } catch (err) {
    return { ok: false, durationMs: durationMs(), error: reasonOf(err) };
  }
}

export async function checkReadiness(scope: RequestScope, timeoutMs: number) {
  const databaseCheck = timed(async () => {
    const database = await scope.database();
    await database.db.execute(sql`select 1`);
    return { driver: database.driver };
  }, timeoutMs);
  const coordination = timed(async () => {
    await scope.deps.coordination.ping();
    return undefined;
  }, timeoutMs);

  const database = await databaseCheck;
  const migrations: Check = database.ok
    ? await timed(async () => {
        const status = migrationStatus(await scope.database());
        const { current, applied, expected, pending } = await status;
        if (!current) throw new Error(`pending migrations: ${pending.join(", ")}`);
        return { applied, expected };
      }, timeoutMs)
    : { ok: false, durationMs: 0, error: "not checked: database unavailable" };

  const checks = { database, migrations, coordination: await coordination };
  const ready = checks.database.ok && checks.migrations.ok && checks.coordination.ok;
  return { status: ready ? ("ready" as const) : ("not_ready" as const), checks };
}

export function registerReadyz(app: OpenAPIHono<AppEnv>): void {
  app.openapi(route, async (c) => {
    const scope = c.get("scope");
    const result = await checkReadiness(scope, scope.deps.config.readyCheckTimeoutMs);
    if (result.status !== "ready") scope.logger.warn("not ready", { checks: result.checks });
    return c.json(result, result.status === "ready" ? 200 : 503);
  });
}
