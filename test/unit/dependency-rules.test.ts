/**
 * The dependency rules of .dependency-cruiser.cjs catch what they are meant
 * to: the repository's config runs over small trees laid out like the
 * repository (test/fixtures/dependency-rules) that break each rule once, next
 * to imports the rules must allow (a route importing Hono and a service, the
 * CLI importing proto/, the console re-exporting the REST API's generated
 * types, the sandbox running a stand-in of test/support, a type-only import of
 * a devDependency).
 */
import { join } from "node:path";
import { cruise, type ICruiseResult } from "dependency-cruiser";
import extractDepcruiseOptions from "dependency-cruiser/config-utl/extract-depcruise-options";
import extractTSConfig from "dependency-cruiser/config-utl/extract-ts-config";
import { describe, expect, it } from "vitest";

const ROOT = join(import.meta.dirname, "..", "..");
const FIXTURES = join(ROOT, "test", "fixtures", "dependency-rules");

const npmPackage = (path: string) => path.replace(/^.*node_modules\/(@[^/]+\/[^/]+|[^/]+)\/.*$/, "npm:$1");

/**
 * The violations of the repository's rules in one fixture tree, as
 * "rule: from → to", "rule: from → … → from" along a cycle, "rule: module"
 * for a module rule.
 */
async function violationsIn(fixture: string): Promise<string[]> {
  const options = await extractDepcruiseOptions(join(ROOT, ".dependency-cruiser.cjs"));
  const tsConfig = extractTSConfig(join(ROOT, "tsconfig.json"));
  const { output } = await cruise(
    ["."],
    { ...options, baseDir: join(FIXTURES, fixture), outputType: "json" },
    {},
    { tsConfig },
  );
  const result = (typeof output === "string" ? JSON.parse(output) : output) as ICruiseResult;
  return result.summary.violations
    .map((v) => {
      // a module rule (an orphan) names the module alone
      const path = v.cycle ? v.cycle.map((step) => step.name) : v.to === v.from ? [] : [npmPackage(v.to)];
      return `${v.rule.name}: ${[v.from, ...path].join(" → ")}`;
    })
    .sort();
}

describe("dependency rules", () => {
  it("fail on a cycle, even one made of type-only imports", async () => {
    expect(await violationsIn("cycle")).toEqual([
      "no-circular: functions/services/machine-view.ts → functions/services/pool-view.ts → functions/services/machine-view.ts",
    ]);
  }, 30_000);

  it("fail on each forbidden boundary crossing, and only on those", async () => {
    expect(await violationsIn("layers")).toEqual([
      "agent-not-to-functions: agent/main.ts → functions/http/page.ts",
      "cli-only-to-proto-and-shared: cli/main.ts → functions/lib/errors.ts",
      "console-only-to-itself: console/src/main.ts → proto/contract.ts",
      "console-rest-api-types-only: console/src/main.ts → proto/generated/rest-api.ts",
      "drizzle-not-to-app: drizzle/client.ts → functions/lib/errors.ts",
      "drizzle-only-for-functions: agent/main.ts → drizzle/client.ts",
      "functions-not-to-agent: functions/routes/get-thing.ts → agent/loop.ts",
      "neutral-modules-stay-neutral: proto/contract.ts → agent/loop.ts",
      "no-orphans: functions/lib/leftover.ts",
      "production-not-to-dev-dep: functions/lib/fetcher.ts → npm:undici",
      "production-not-to-test-or-tooling: functions/app.ts → test/support/standin.ts",
      "services-not-to-hono: functions/services/list-things.ts → npm:hono",
      "services-not-to-http: functions/services/list-things.ts → functions/http/page.ts",
      "shared-runs-anywhere: shared/clock.ts → process",
      "tooling-only-to-test-support: scripts/sandbox.ts → test/unit/helper.ts",
    ]);
  }, 30_000);
});
