/**
 * `npm run lint:openapi`: lints the control plane's /openapi.json twice and exits non-zero with one
 * line per problem: with our own checks (scripts/openapi-lint/lint.ts says what they are) and with
 * Redocly CLI's standard `recommended` rules (redocly.yaml; scripts/openapi-lint/redocly.ts), where
 * any error fails and warnings are listed by rule. Without arguments the document is
 * built in-process, exactly as the server serves it (no server, no database);
 * `tsx scripts/lint-openapi.ts saved.json` lints a saved document instead.
 */
import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { lintOpenApiDocument } from "./openapi-lint/lint.ts";
import { redoclyLint, summarizeByRule } from "./openapi-lint/redocly.ts";

async function main(path: string | undefined): Promise<number> {
  let document: unknown;
  if (path) document = JSON.parse(readFileSync(path, "utf8"));
  else {
    // Loaded here, not at the top: the lint itself (and its tests) need no app.
    const { loadOpenApiDocument } = await import("./generate-api-client.ts");
    document = await loadOpenApiDocument();
  }
  const name = path ?? "/openapi.json";
  const [problems, redocly] = await Promise.all([lintOpenApiDocument(document), redoclyLint(document)]);
  let failed = false;
  if (problems.length === 0) {
    console.log(`${name}: valid OpenAPI 3.1; every schema compiles, every pattern matches its example`);
  } else {
    failed = true;
    console.error(`${name}: ${problems.length} problem(s)`);
    for (const problem of problems) console.error(`  - ${problem}`);
  }
  const counts = `${redocly.errors.length} error(s), ${redocly.warnings.length} warning(s)`;
  if (redocly.errors.length === 0)
    console.log(`${name}: Redocly ${redocly.version} (redocly.yaml): ${counts}`);
  else {
    failed = true;
    console.error(`${name}: Redocly ${redocly.version} (redocly.yaml): ${counts}`);
    for (const e of redocly.errors) console.error(`  - error ${e.ruleId}: ${e.message} (at ${e.pointer})`);
  }
  for (const line of summarizeByRule(redocly.warnings)) console.log(`  - warning ${line}`);
  return failed ? 1 : 0;
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  try {
    process.exitCode = await main(process.argv[2]);
  } catch (error) {
    console.error(error instanceof Error ? (error.stack ?? error.message) : String(error));
    process.exitCode = 1;
  }
}
