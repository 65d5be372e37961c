/**
 * `npm run lint:openapi`: lints the control plane's /openapi.json (scripts/openapi-lint/lint.ts says
 * what is checked) and exits non-zero with one line per problem. Without arguments the document is
 * built in-process, exactly as the server serves it (no server, no database);
 * `tsx scripts/lint-openapi.ts saved.json` lints a saved document instead.
 */
import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { lintOpenApiDocument } from "./openapi-lint/lint.ts";

async function main(path: string | undefined): Promise<number> {
  let document: unknown;
  if (path) document = JSON.parse(readFileSync(path, "utf8"));
  else {
    // Loaded here, not at the top: the lint itself (and its tests) need no app.
    const { loadOpenApiDocument } = await import("./generate-api-client.ts");
    document = await loadOpenApiDocument();
  }
  const name = path ?? "/openapi.json";
  const problems = await lintOpenApiDocument(document);
  if (problems.length === 0) {
    console.log(`${name}: valid OpenAPI 3.1; every schema compiles, every pattern matches its example`);
    return 0;
  }
  console.error(`${name}: ${problems.length} problem(s)`);
  for (const problem of problems) console.error(`  - ${problem}`);
  return 1;
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  try {
    process.exitCode = await main(process.argv[2]);
  } catch (error) {
    console.error(error instanceof Error ? (error.stack ?? error.message) : String(error));
    process.exitCode = 1;
  }
}
