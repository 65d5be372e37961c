/**
 * `npm run gen:api-client`: writes proto/generated/rest-api.ts, the REST API's
 * wire contract as TypeScript types, from the control plane's own /openapi.json.
 * One file for both clients: the CLI (cli/api.ts) and the web console
 * (console/src/api/schema.ts re-exports it, types only) import the same types.
 * The document is taken from the app in-process (no server, no database:
 * the OpenAPI route reads neither), turned into TypeScript by
 * openapi-typescript and formatted by Biome, so the checked-in file is
 * byte-for-byte what this script prints. test/unit/proto/generated/rest-api.test.ts
 * fails when it is out of date.
 */
import { spawnSync } from "node:child_process";
import { mkdirSync, writeFileSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import openapiTS, { astToString, type OpenAPI3 } from "openapi-typescript";
import { createApp } from "../functions/app.ts";
import { type AppDeps, DEFAULT_READY_CHECK_TIMEOUT_MS } from "../functions/composition/types.ts";
import { nodeClientAddress } from "../functions/http/client-address.ts";
import { MemoryCoordination } from "../functions/lib/coordination/memory.ts";
import { noopMetrics } from "../functions/lib/metrics/noop.ts";
import { webhookTransport } from "../functions/lib/webhooks/transport.ts";
import { DEFAULT_POLICY } from "../functions/policy.ts";
import { systemClock } from "../shared/clock.ts";
import { createLogger } from "../shared/logger.ts";

export const ROOT = resolve(fileURLToPath(new URL("..", import.meta.url)));
/** proto/ holds the wire contracts both sides of a connection share; this one is HTTP's. */
export const REST_API_TYPES_PATH = join(ROOT, "proto", "generated", "rest-api.ts");

const HEADER = `/**
 * GENERATED FILE, do not edit: the control plane's /openapi.json as TypeScript
 * types (openapi-typescript), the REST API's wire contract for the openapi-fetch
 * clients of the CLI (cli/api.ts) and the web console (console/src/api/client.ts).
 * Types only, no runtime code: the one file outside console/ the browser bundle may import.
 * Regenerate after changing a route: npm run gen:api-client
 * (scripts/generate-api-client.ts). test/unit/proto/generated/rest-api.test.ts
 * fails while this file is out of date.
 */

`;

/** Just enough of AppDeps to build the app: the OpenAPI route touches no database. */
function documentOnlyDeps(): AppDeps {
  const clock = systemClock;
  return {
    databases: {
      acquire: () => Promise.reject(new Error("building the OpenAPI document needs no database")),
    },
    coordination: new MemoryCoordination(clock, { soleReplica: true }),
    clock,
    logger: createLogger({ level: "error", sink: () => {} }),
    clientAddress: nodeClientAddress(0),
    webhooks: webhookTransport({ qstash: undefined, signingKeys: undefined, emailWebhookUrl: undefined }),
    metrics: noopMetrics,
    config: {
      maxBodyBytes: 1024 * 1024,
      maxImportBytes: 16 * 1024 * 1024,
      readyCheckTimeoutMs: DEFAULT_READY_CHECK_TIMEOUT_MS,
      policy: DEFAULT_POLICY,
    },
  };
}

/** The document exactly as the server serves it at /openapi.json. */
export async function loadOpenApiDocument(): Promise<OpenAPI3> {
  const res = await createApp(documentOnlyDeps()).request("/openapi.json");
  if (res.status !== 200) throw new Error(`/openapi.json answered HTTP ${res.status}: ${await res.text()}`);
  return (await res.json()) as OpenAPI3;
}

/** Formats with the repo's Biome settings, so `biome check` accepts the checked-in file as it is. */
function formatWithBiome(source: string, path: string): string {
  const biome = join(ROOT, "node_modules", ".bin", "biome");
  const result = spawnSync(biome, ["format", `--stdin-file-path=${relative(ROOT, path)}`], {
    cwd: ROOT,
    input: source,
    encoding: "utf8",
    maxBuffer: 64 * 1024 * 1024,
  });
  if (result.status !== 0) {
    throw new Error(`biome format failed (exit ${result.status}): ${result.stderr || result.error}`);
  }
  return result.stdout;
}

/** The full text proto/generated/rest-api.ts should have. */
export async function generateRestApiTypes(): Promise<string> {
  const document = await loadOpenApiDocument();
  // silent: the generator's warnings go to the console; the validators in CI judge the document.
  const types = astToString(await openapiTS(document, { silent: true }));
  return formatWithBiome(HEADER + types, REST_API_TYPES_PATH);
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  try {
    const text = await generateRestApiTypes();
    mkdirSync(dirname(REST_API_TYPES_PATH), { recursive: true });
    writeFileSync(REST_API_TYPES_PATH, text);
    console.log(`wrote ${relative(ROOT, REST_API_TYPES_PATH)} (${text.split("\n").length} lines)`);
  } catch (err) {
    console.error(err instanceof Error ? err.message : String(err));
    process.exitCode = 1;
  }
}
