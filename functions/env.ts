/**
 * Environment of each entry point, validated once at start (Node) or per
 * isolate (Worker). Problems come back as one line per variable and never
 * echo the value, because values are often secrets.
 *
 * HOST defaults to 127.0.0.1: a fresh `npm start` prints an admin token, and
 * the API it protects should not be reachable from the network until someone
 * chooses that (containers set HOST=0.0.0.0).
 */
import { z } from "zod";
import { DEFAULT_STATEMENT_CACHE_SIZE } from "../drizzle/drivers/statement-cache.ts";
import type { LogLevel } from "../shared/logger.ts";
import { type EncryptionKey, parseEncryptionKeys } from "./lib/crypto/encryption-keys.ts";
import { type AssetsFetcher, isAssetsFetcher } from "./lib/static-assets/binding.ts";
import type { WebhookSettings } from "./lib/webhooks/transport.ts";
import { type PolicySettings, policyEnvShape, policyFrom, policyProblems } from "./policy.ts";

export const DEFAULT_PORT = 8787;
export const DEFAULT_HOST = "127.0.0.1";
export const DEFAULT_DATA_DIR = ".data";
export const DEFAULT_MAX_BODY_BYTES = 1024 * 1024;
export const DEFAULT_MAX_IMPORT_BYTES = 16 * 1024 * 1024;
export const DEFAULT_SCHEDULER_INTERVAL_SECONDS = 60;

// Unset and empty are the same thing: `FOO= npm start` must not mean "FOO is the empty string".
const optional = <T extends z.ZodType>(schema: T) =>
  z.preprocess((v) => (v === "" ? undefined : v), schema.optional());

const postgresUrl = z.string().refine(
  (v) => {
    try {
      const u = new URL(v);
      return (u.protocol === "postgres:" || u.protocol === "postgresql:") && u.hostname !== "";
    } catch {
      return false;
    }
  },
  { message: "must be a postgres:// or postgresql:// URL with a host" },
);

const httpUrl = z.string().refine(
  (v) => {
    try {
      const u = new URL(v);
      return u.protocol === "https:" || u.protocol === "http:";
    } catch {
      return false;
    }
  },
  { message: "must be an http(s) URL" },
);

const intIn = (min: number, max: number) =>
  z
    .string()
    .regex(/^\d+$/, { message: `must be a whole number between ${min} and ${max}` })
    .transform(Number)
    .refine((n) => n >= min && n <= max, { message: `must be a whole number between ${min} and ${max}` });

const secret = (what: string) => z.string().min(1, { message: `must be the ${what}` });

// Every entry's problem in the one line the variable gets; they name entries and ids, never key material.
const encryptionKeys = z.string().transform((raw, ctx): EncryptionKey[] => {
  const parsed = parseEncryptionKeys(raw);
  if (parsed.ok) return parsed.keys;
  ctx.addIssue({ code: "custom", message: parsed.problems.join("; ") });
  return z.NEVER;
});

const logLevel = z.enum(["debug", "info", "warn", "error"], {
  message: "must be one of debug, info, warn, error",
});

/** The API token format (see lib/tokens.ts); at least 32 random characters after the prefix. */
export const ADMIN_TOKEN_PATTERN = /^ksp_adm_[A-Za-z0-9_-]{32,256}$/;
const adminToken = z.string().regex(ADMIN_TOKEN_PATTERN, {
  message: "must be ksp_adm_ followed by 32 to 256 characters of A-Z a-z 0-9 _ -",
});

const common = {
  LOG_LEVEL: optional(logLevel),
  // Lets several deployments (or test runs) share one Redis without seeing each other's keys.
  KSP_COORDINATION_PREFIX: optional(
    z
      .string()
      .regex(/^[A-Za-z0-9:_-]{1,64}$/, { message: "must be 1 to 64 characters of A-Z a-z 0-9 : _ -" }),
  ),
  KSP_MAX_BODY_BYTES: optional(intIn(1024, 64 * 1024 * 1024)),
  KSP_MAX_IMPORT_BYTES: optional(intIn(1024, 256 * 1024 * 1024)),
  UPSTASH_REDIS_REST_URL: optional(httpUrl),
  UPSTASH_REDIS_REST_TOKEN: optional(secret("Upstash REST token")),
  // Outbound webhooks go through QStash when its token is set (QSTASH_URL: another QStash, e.g. a region).
  QSTASH_URL: optional(httpUrl),
  QSTASH_TOKEN: optional(secret("QStash token")),
  // Sign the in-process sender's deliveries (no QStash) and verify inbound hooks.
  QSTASH_CURRENT_SIGNING_KEY: optional(secret("QStash signing key")),
  QSTASH_NEXT_SIGNING_KEY: optional(secret("QStash signing key")),
  // Email notifications are POSTed here as { to, subject, text, deliveryId } for an adapter to send.
  KSP_EMAIL_WEBHOOK_URL: optional(httpUrl),
  // Secrets at rest: `id:base64key,...`, the first encrypts, all decrypt (lib/crypto/).
  KSP_ENCRYPTION_KEYS: optional(encryptionKeys),
  ...policyEnvShape,
};

/** Both or neither; checked on the raw values so it is reported alongside every other problem. */
function upstashPairProblems(raw: Record<string, unknown>): string[] {
  const present = (name: string) => raw[name] !== undefined && raw[name] !== "";
  const url = present("UPSTASH_REDIS_REST_URL");
  const token = present("UPSTASH_REDIS_REST_TOKEN");
  if (url && !token) return ["UPSTASH_REDIS_REST_TOKEN: is required when UPSTASH_REDIS_REST_URL is set"];
  if (token && !url) return ["UPSTASH_REDIS_REST_URL: is required when UPSTASH_REDIS_REST_TOKEN is set"];
  return [];
}

/** Settings that only mean something beside another one; checked on the raw values like the Upstash pair. */
function qstashProblems(raw: Record<string, unknown>): string[] {
  const present = (name: string) => raw[name] !== undefined && raw[name] !== "";
  const problems: string[] = [];
  if (present("QSTASH_URL") && !present("QSTASH_TOKEN")) {
    problems.push("QSTASH_TOKEN: is required when QSTASH_URL is set");
  }
  if (present("QSTASH_NEXT_SIGNING_KEY") && !present("QSTASH_CURRENT_SIGNING_KEY")) {
    problems.push("QSTASH_CURRENT_SIGNING_KEY: is required when QSTASH_NEXT_SIGNING_KEY is set");
  }
  return problems;
}

const nodeSchema = z.object({
  ...common,
  PORT: optional(intIn(0, 65535)),
  HOST: optional(z.string().regex(/^[A-Za-z0-9.:[\]-]+$/, { message: "must be a host name or IP address" })),
  DATABASE_URL: optional(postgresUrl),
  DATABASE_STATEMENT_CACHE_SIZE: optional(intIn(0, 10_000)),
  KSP_DATA_DIR: optional(z.string()),
  KSP_ADMIN_TOKEN: optional(adminToken),
  KSP_SCHEDULER_INTERVAL_SECONDS: optional(intIn(1, 86_400)),
  // Proxies in front of this server that append to X-Forwarded-For; 0 trusts only the socket.
  KSP_TRUSTED_PROXIES: optional(intIn(0, 10)),
  // A scraper's bearer token for GET /metrics; long enough not to be guessed.
  KSP_METRICS_TOKEN: optional(z.string().min(16, { message: "must be at least 16 characters" })),
});

const workerSchema = z.object({
  ...common,
  DATABASE_URL: z.string({ message: "is required in the Worker" }).pipe(postgresUrl),
  UPSTASH_REDIS_REST_URL: z
    .string({ message: "is required in the Worker (no in-process state there)" })
    .pipe(httpUrl),
  UPSTASH_REDIS_REST_TOKEN: z
    .string({ message: "is required in the Worker (no in-process state there)" })
    .min(1),
  // Local development only: route Neon's WebSocket driver through a proxy to a plain Postgres.
  NEON_WS_PROXY: optional(z.string()),
  // A secret (`wrangler secret put KSP_ADMIN_TOKEN`): the bootstrap admin token, as on Node.
  KSP_ADMIN_TOKEN: optional(adminToken),
  JOBS_QUEUE: z.custom<QueueProducer>(isQueueProducer, {
    message: "must be bound to a Queue producer (see wrangler.toml)",
  }),
  // The built console and docs (wrangler.toml [assets]); without it /ui and /docs answer 404.
  ASSETS: optional(
    z.custom<AssetsFetcher>(isAssetsFetcher, { message: "must be the [assets] binding (see wrangler.toml)" }),
  ),
});

/**
 * The producer side of a Cloudflare Queue binding, as far as we use it. `sendBatch` takes at
 * most 100 messages and 256 KB per call (functions/queue/binding-queue.ts chunks for it).
 */
export interface QueueProducer {
  send(body: unknown, options?: { delaySeconds?: number }): Promise<void>;
  sendBatch(
    messages: Iterable<{ body: unknown; delaySeconds?: number }>,
    options?: { delaySeconds?: number },
  ): Promise<void>;
}

function isQueueProducer(v: unknown): boolean {
  if (typeof v !== "object" || v === null) return false;
  const producer = v as Partial<QueueProducer>;
  return typeof producer.send === "function" && typeof producer.sendBatch === "function";
}

export interface UpstashSettings {
  url: string;
  token: string;
}

export const DEFAULT_COORDINATION_PREFIX = "ksp:";

export interface SharedSettings {
  logLevel: LogLevel;
  coordinationPrefix: string;
  maxBodyBytes: number;
  maxImportBytes: number;
  upstash: UpstashSettings | undefined;
  policy: PolicySettings;
  /** QStash, signing keys and the email adapter (lib/webhooks/transport.ts picks the sender) */
  webhooks: WebhookSettings;
  /** KSP_ENCRYPTION_KEYS, newest first; undefined: unset (see composition/encryption-keyring.ts) */
  encryptionKeys: EncryptionKey[] | undefined;
  /** Variables this runtime does not read (see `ignoredVariables`), reported once at start; absent: none. */
  ignoredVariables?: string[];
}

export interface NodeSettings extends SharedSettings {
  port: number;
  host: string;
  databaseUrl: string | undefined;
  /** named prepared statements per connection (node-postgres); 0 turns them off */
  databaseStatementCacheSize: number;
  dataDir: string;
  adminToken: string | undefined;
  schedulerIntervalMs: number;
  /** X-Forwarded-For entries (from the right) written by proxies we trust; 0: the socket's peer */
  trustedProxies: number;
  /** required as a bearer token by GET /metrics when set */
  metricsToken: string | undefined;
}

export interface WorkerSettings extends SharedSettings {
  databaseUrl: string;
  upstash: UpstashSettings;
  neonWsProxy: string | undefined;
  /** KSP_ADMIN_TOKEN: made (or kept) the bootstrap admin token before the first admin request */
  adminToken?: string;
  jobsQueue: QueueProducer;
  assets?: AssetsFetcher;
}

export type EnvResult<T> = { ok: true; settings: T } | { ok: false; problems: string[] };

/** One line per variable: "PORT: must be a whole number between 0 and 65535". */
function problemsOf(error: z.ZodError): string[] {
  const byVariable = new Map<string, string>();
  for (const issue of error.issues) {
    const variable = String(issue.path[0] ?? "environment");
    if (!byVariable.has(variable)) byVariable.set(variable, `${variable}: ${issue.message}`);
  }
  return [...byVariable.values()];
}

function webhooksOf(env: {
  QSTASH_URL?: string;
  QSTASH_TOKEN?: string;
  QSTASH_CURRENT_SIGNING_KEY?: string;
  QSTASH_NEXT_SIGNING_KEY?: string;
  KSP_EMAIL_WEBHOOK_URL?: string;
}): WebhookSettings {
  const current = env.QSTASH_CURRENT_SIGNING_KEY;
  return {
    qstash:
      env.QSTASH_TOKEN === undefined
        ? undefined
        : { token: env.QSTASH_TOKEN, ...(env.QSTASH_URL ? { baseUrl: env.QSTASH_URL } : {}) },
    // without a next key (no rotation under way) the current one is also the next
    signingKeys:
      current === undefined
        ? undefined
        : { currentSigningKey: current, nextSigningKey: env.QSTASH_NEXT_SIGNING_KEY ?? current },
    emailWebhookUrl: env.KSP_EMAIL_WEBHOOK_URL,
  };
}

function upstashOf(env: { UPSTASH_REDIS_REST_URL?: string; UPSTASH_REDIS_REST_TOKEN?: string }) {
  const { UPSTASH_REDIS_REST_URL: url, UPSTASH_REDIS_REST_TOKEN: token } = env;
  return url !== undefined && token !== undefined ? { url, token } : undefined;
}

export function parseNodeEnv(raw: Record<string, string | undefined>): EnvResult<NodeSettings> {
  const parsed = nodeSchema.safeParse(raw);
  const problems = [
    ...(parsed.success ? [] : problemsOf(parsed.error)),
    ...upstashPairProblems(raw),
    ...qstashProblems(raw),
  ];
  if (!parsed.success || problems.length > 0) return { ok: false, problems };
  const env = parsed.data;
  const policy = policyFrom(env);
  if (policyProblems(policy).length > 0) return { ok: false, problems: policyProblems(policy) };
  return {
    ok: true,
    settings: {
      port: env.PORT ?? DEFAULT_PORT,
      host: env.HOST ?? DEFAULT_HOST,
      databaseUrl: env.DATABASE_URL,
      databaseStatementCacheSize: env.DATABASE_STATEMENT_CACHE_SIZE ?? DEFAULT_STATEMENT_CACHE_SIZE,
      dataDir: env.KSP_DATA_DIR ?? DEFAULT_DATA_DIR,
      adminToken: env.KSP_ADMIN_TOKEN,
      schedulerIntervalMs: (env.KSP_SCHEDULER_INTERVAL_SECONDS ?? DEFAULT_SCHEDULER_INTERVAL_SECONDS) * 1000,
      trustedProxies: env.KSP_TRUSTED_PROXIES ?? 0,
      metricsToken: env.KSP_METRICS_TOKEN,
      logLevel: env.LOG_LEVEL ?? "info",
      coordinationPrefix: env.KSP_COORDINATION_PREFIX ?? DEFAULT_COORDINATION_PREFIX,
      maxBodyBytes: env.KSP_MAX_BODY_BYTES ?? DEFAULT_MAX_BODY_BYTES,
      maxImportBytes: env.KSP_MAX_IMPORT_BYTES ?? DEFAULT_MAX_IMPORT_BYTES,
      upstash: upstashOf(env),
      policy,
      webhooks: webhooksOf(env),
      encryptionKeys: env.KSP_ENCRYPTION_KEYS,
      ...ignoredField(raw, "node"),
    },
  };
}

export function parseWorkerEnv(raw: Record<string, unknown>): EnvResult<WorkerSettings> {
  const parsed = workerSchema.safeParse(raw);
  const problems = [...(parsed.success ? [] : problemsOf(parsed.error)), ...qstashProblems(raw)];
  if (!parsed.success || problems.length > 0) return { ok: false, problems };
  const env = parsed.data;
  const policy = policyFrom(env);
  if (policyProblems(policy).length > 0) return { ok: false, problems: policyProblems(policy) };
  return {
    ok: true,
    settings: {
      databaseUrl: env.DATABASE_URL,
      upstash: { url: env.UPSTASH_REDIS_REST_URL, token: env.UPSTASH_REDIS_REST_TOKEN },
      neonWsProxy: env.NEON_WS_PROXY,
      ...(env.KSP_ADMIN_TOKEN ? { adminToken: env.KSP_ADMIN_TOKEN } : {}),
      jobsQueue: env.JOBS_QUEUE,
      assets: env.ASSETS,
      logLevel: env.LOG_LEVEL ?? "info",
      coordinationPrefix: env.KSP_COORDINATION_PREFIX ?? DEFAULT_COORDINATION_PREFIX,
      maxBodyBytes: env.KSP_MAX_BODY_BYTES ?? DEFAULT_MAX_BODY_BYTES,
      maxImportBytes: env.KSP_MAX_IMPORT_BYTES ?? DEFAULT_MAX_IMPORT_BYTES,
      policy,
      webhooks: webhooksOf(env),
      encryptionKeys: env.KSP_ENCRYPTION_KEYS,
      ...ignoredField(raw, "worker"),
    },
  };
}

export type Runtime = "node" | "worker";

const NAMES: Record<Runtime, ReadonlySet<string>> = {
  node: new Set(Object.keys(nodeSchema.shape)),
  worker: new Set(Object.keys(workerSchema.shape)),
};
const ALL_NAMES = [...new Set([...NAMES.node, ...NAMES.worker])];
// The families our settings belong to: on Node, where the environment is the whole shell's, only
// these (and near misses of our longer names) are ours to report; PATH or HOME are not.
const OUR_FAMILY = /^(KSP_|UPSTASH_|QSTASH_|NEON_|DATABASE_|LOG_LEVEL)/;
const MIN_NAME_FOR_NEAR_MISS = 8;
const MAX_TYPO_DISTANCE = 2;

/**
 * Variables that look like ours but that this runtime does not read, one entry per name with why:
 * `KSP_DATA_DIR (read on Node only)`, `KSP_ADMIN_TOKNE (unknown; did you mean KSP_ADMIN_TOKEN?)`.
 * Names only, never values. On Workers every binding was configured for this Worker on purpose,
 * so any name the Worker does not know is reported.
 */
export function ignoredVariables(raw: Record<string, unknown>, runtime: Runtime): string[] {
  const known = NAMES[runtime];
  const other = NAMES[runtime === "node" ? "worker" : "node"];
  const report: string[] = [];
  for (const name of Object.keys(raw).sort()) {
    if (known.has(name) || raw[name] === undefined) continue;
    if (other.has(name)) {
      report.push(`${name} (read on ${runtime === "node" ? "Workers" : "Node"} only)`);
      continue;
    }
    const closest = closestName(name);
    const looksOurs = runtime === "worker" || OUR_FAMILY.test(name) || closest !== undefined;
    if (looksOurs) report.push(`${name} (unknown${closest ? `; did you mean ${closest}?` : ""})`);
  }
  return report;
}

function ignoredField(raw: Record<string, unknown>, runtime: Runtime): { ignoredVariables?: string[] } {
  const ignored = ignoredVariables(raw, runtime);
  return ignored.length > 0 ? { ignoredVariables: ignored } : {};
}

/** The known name within a couple of edits (a transposition counts as one), if any. */
function closestName(name: string): string | undefined {
  let best: { name: string; distance: number } | undefined;
  for (const candidate of ALL_NAMES) {
    if (candidate.length < MIN_NAME_FOR_NEAR_MISS && !OUR_FAMILY.test(name)) continue;
    const distance = editDistance(name.toUpperCase(), candidate);
    if (distance <= MAX_TYPO_DISTANCE && (!best || distance < best.distance))
      best = { name: candidate, distance };
  }
  return best?.name;
}

/** Optimal string alignment distance: insertions, deletions, substitutions and adjacent swaps. */
function editDistance(a: string, b: string): number {
  const d: number[][] = Array.from({ length: a.length + 1 }, (_, i) =>
    Array.from({ length: b.length + 1 }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)),
  );
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let v = Math.min(d[i - 1]![j]! + 1, d[i]![j - 1]! + 1, d[i - 1]![j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1])
        v = Math.min(v, d[i - 2]![j - 2]! + 1);
      d[i]![j] = v;
    }
  }
  return d[a.length]![b.length]!;
}

/** The one warning line each entry logs at start when `ignoredVariables` found any. */
export const IGNORED_VARIABLES_WARNING =
  "environment variables ignored by this runtime (check their names; values are not shown)";

/** Every setting and binding the Worker reads (scripts/dev-worker.ts passes these through). */
export const WORKER_VARIABLES: readonly string[] = [...NAMES.worker];
