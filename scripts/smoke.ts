/**
 * `npm run smoke -- --url URL --token TOKEN [--cron]` (or KSP_URL, KSP_TOKEN): what an operator runs
 * right after a deploy (`wrangler deploy`, `npm start`, `npm run dev:worker`).
 * Checks, in order, each on one line:
 *   GET /healthz, GET /readyz (database, migrations, coordination),
 *   GET /v1/tokens/self (the token is an admin's),
 *   POST, GET and DELETE of a throwaway cluster (ksp-smoke-…),
 *   with --cron: GET /__scheduled (only `wrangler dev --test-scheduled` serves it).
 * Exits 0 when all pass; otherwise 1 with the first failure's reason. The
 * throwaway cluster is deleted even when a later check fails. Tokens (the one
 * given, the cluster's registration token) are never printed.
 */
import { parseArgs } from "node:util";

const TIMEOUT_MS = 15_000;

export class SmokeFailure extends Error {}

interface Answer {
  status: number;
  body: unknown;
  text: string;
}

function usage(): never {
  process.stderr.write(
    "usage: npm run smoke -- --url https://ksp.example.workers.dev --token ksp_adm_… [--cron]\n",
  );
  process.exit(2);
}

/** The server's own error message when it sent an envelope; never the whole body (it may carry tokens). */
function reasonOf(answer: Answer): string {
  const error = (answer.body as { error?: { code?: string; message?: string } } | undefined)?.error;
  return error?.code ? `${answer.status} ${error.code}: ${error.message ?? ""}` : `HTTP ${answer.status}`;
}

export async function runSmoke(
  base: string,
  token: string,
  options: { cron?: boolean; log?: (line: string) => void } = {},
): Promise<void> {
  const log = options.log ?? ((line: string) => process.stdout.write(`${line}\n`));
  const call = async (method: string, path: string, body?: unknown, auth = true): Promise<Answer> => {
    let res: Response;
    try {
      res = await fetch(new URL(path, base), {
        method,
        headers: {
          ...(auth ? { authorization: `Bearer ${token}` } : {}),
          ...(body === undefined ? {} : { "content-type": "application/json" }),
        },
        body: body === undefined ? undefined : JSON.stringify(body),
        signal: AbortSignal.timeout(TIMEOUT_MS),
      });
    } catch (err) {
      const cause = (err as { cause?: { code?: string } }).cause?.code;
      throw new SmokeFailure(`${method} ${path}: ${cause ?? (err as Error).message} (is ${base} reachable?)`);
    }
    const text = await res.text();
    let parsed: unknown;
    try {
      parsed = text ? JSON.parse(text) : undefined;
    } catch {
      parsed = undefined;
    }
    return { status: res.status, body: parsed, text };
  };
  const check = async (name: string, step: () => Promise<string | undefined>) => {
    const started = Date.now();
    const detail = await step();
    log(`ok   ${name} (${Date.now() - started} ms)${detail ? `: ${detail}` : ""}`);
  };
  const expectStatus = (what: string, answer: Answer, status: number) => {
    if (answer.status !== status)
      throw new SmokeFailure(`${what}: expected ${status}, got ${reasonOf(answer)}`);
  };

  await check("GET /healthz", async () => {
    expectStatus("GET /healthz", await call("GET", "/healthz", undefined, false), 200);
    return undefined;
  });
  await check("GET /readyz", async () => {
    const answer = await call("GET", "/readyz", undefined, false);
    if (answer.status !== 200) {
      const checks =
        (answer.body as { checks?: Record<string, { ok: boolean; error?: string }> })?.checks ?? {};
      const failing = Object.entries(checks)
        .filter(([, c]) => !c.ok)
        .map(([name, c]) => `${name}${c.error ? ` (${c.error})` : ""}`);
      throw new SmokeFailure(`GET /readyz: ${reasonOf(answer)}; failing: ${failing.join(", ") || "unknown"}`);
    }
    return undefined;
  });
  await check("GET /v1/tokens/self", async () => {
    const answer = await call("GET", "/v1/tokens/self");
    if (answer.status === 401) throw new SmokeFailure("GET /v1/tokens/self: 401: the token is not accepted");
    expectStatus("GET /v1/tokens/self", answer, 200);
    const self = answer.body as { role?: string; name?: string };
    if (self.role !== "admin")
      throw new SmokeFailure(`the token's role is ${self.role}; the smoke test needs admin`);
    return `${self.name ?? "?"} (${self.role})`;
  });

  const name = `ksp-smoke-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 6)}`;
  let clusterId: string | undefined;
  try {
    await check("POST /v1/clusters", async () => {
      const answer = await call("POST", "/v1/clusters", { name });
      expectStatus("POST /v1/clusters", answer, 201);
      clusterId = (answer.body as { cluster?: { id?: string } }).cluster?.id;
      if (!clusterId) throw new SmokeFailure("POST /v1/clusters: no cluster id in the answer");
      return name;
    });
    await check("GET /v1/clusters/{id}", async () => {
      const answer = await call("GET", `/v1/clusters/${clusterId}`);
      expectStatus("GET /v1/clusters/{id}", answer, 200);
      const got = answer.body as { id?: string; name?: string };
      if (got.id !== clusterId || got.name !== name)
        throw new SmokeFailure("GET /v1/clusters/{id}: another cluster came back");
      return undefined;
    });
  } finally {
    if (clusterId) {
      const id = clusterId;
      await check("DELETE /v1/clusters/{id}", async () => {
        expectStatus("DELETE /v1/clusters/{id}", await call("DELETE", `/v1/clusters/${id}`), 200);
        expectStatus("GET after DELETE", await call("GET", `/v1/clusters/${id}`), 404);
        return undefined;
      });
    }
  }

  if (options.cron) {
    await check("GET /__scheduled", async () => {
      const answer = await call("GET", "/__scheduled?cron=*+*+*+*+*", undefined, false);
      if (answer.status !== 200 || !answer.text.includes("Ran scheduled event")) {
        throw new SmokeFailure(
          `GET /__scheduled: ${reasonOf(answer)} (only wrangler dev --test-scheduled serves it; a deployed Worker runs its cron itself)`,
        );
      }
      return "cron tick ran";
    });
  }
}

async function main(): Promise<void> {
  let values: { url?: string; token?: string; cron?: boolean };
  try {
    ({ values } = parseArgs({
      options: {
        url: { type: "string" },
        token: { type: "string" },
        cron: { type: "boolean", default: false },
      },
    }));
  } catch {
    usage();
  }
  // the environment as the CLI reads it (KSP_URL, KSP_TOKEN): keeps the token off the command line
  const url = values.url ?? process.env.KSP_URL;
  const token = values.token ?? process.env.KSP_TOKEN;
  if (!url || !token || !URL.canParse(url)) usage();
  try {
    await runSmoke(url, token, { cron: values.cron });
    process.stdout.write(`smoke test passed against ${url}\n`);
  } catch (err) {
    const reason = err instanceof SmokeFailure ? err.message : `unexpected: ${(err as Error).message}`;
    process.stderr.write(`FAIL ${reason}\n`);
    process.exit(1);
  }
}

await main();
