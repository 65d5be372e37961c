/**
 * `npm run gen:api-client`: writes the typed API client types of the CLI,
 * cli/generated/api-types.ts, and of the web console, console/src/api/schema.ts,
 * from the control plane's own /openapi.json.
 * The document is taken from the app in-process (no server, no database:
 * the OpenAPI route reads neither), turned into TypeScript by
 * openapi-typescript and formatted by Biome, so the checked-in file is
 * byte-for-byte what this script prints. Unit tests
 * (test/unit/cli/api-types.test.ts, test/unit/console/api-schema.test.ts) fail when
 * either is out of date.
 */
import { spawnSync } from "node:child_process";
import { writeFileSync } from "node:fs";
import { join, relative, resolve } from "node:path";
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
export const API_TYPES_PATH = join(ROOT, "cli", "generated", "api-types.ts");
/** The console's copy: console/ talks HTTP only and imports nothing outside itself. */
export const CONSOLE_SCHEMA_PATH = join(ROOT, "console", "src", "api", "schema.ts");

const HEADER = `/**
 * GENERATED FILE, do not edit: the control plane's /openapi.json as TypeScript
 * types (openapi-typescript), for the CLI's openapi-fetch client (cli/api.ts).
 * Regenerate after changing a route: npm run gen:api-client
 * (scripts/generate-api-client.ts). test/unit/cli/api-types.test.ts fails
 * while this file is out of date.
 */

`;

const CONSOLE_HEADER = `/**
 * GENERATED FILE, do not edit: the control plane's /openapi.json as TypeScript
 * types (openapi-typescript), for the console's openapi-fetch client
 * (console/src/api/client.ts). Regenerate after changing a route:
 * npm run gen:api-client (scripts/generate-api-client.ts).
 * test/unit/console/api-schema.test.ts fails while this file is out of date.
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

/** The types of the document, unformatted and without a header. */
async function typesOfDocument(): Promise<string> {
  const document = await loadOpenApiDocument();
  // silent: the generator's warnings go to the console; the validators in CI judge the document.
  return astToString(await openapiTS(document, { silent: true }));
}

/** The full text cli/generated/api-types.ts should have. */
export async function generateApiTypes(): Promise<string> {
  return formatWithBiome(HEADER + (await typesOfDocument()), API_TYPES_PATH);
}

/** The full text console/src/api/schema.ts should have. */
export async function generateConsoleSchema(): Promise<string> {
  return formatWithBiome(CONSOLE_HEADER + (await typesOfDocument()), CONSOLE_SCHEMA_PATH);
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  try {
    const outputs: [string, () => Promise<string>][] = [
      [API_TYPES_PATH, generateApiTypes],
      [CONSOLE_SCHEMA_PATH, generateConsoleSchema],
    ];
    for (const [path, generate] of outputs) {
      const text = await generate();
      writeFileSync(path, text);
      console.log(`wrote ${relative(ROOT, path)} (${text.split("\n").length} lines)`);
    }
  } catch (err) {
    console.error(err instanceof Error ? err.message : String(err));
    process.exitCode = 1;
  }
}
