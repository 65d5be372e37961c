/**
 * The architecture's dependency rules as code (README "Architecture", ARCHITECTURE.md
 * "Dependency rules"). CI runs, over the whole repository:
 *
 *   npx depcruise . --config .dependency-cruiser.cjs --output-type err-long
 *
 * and fails on any violation. TypeScript-aware: modules resolve through tsconfig.json with
 * their `.ts` suffixes, and type-only imports (`import type`) COUNT, because a type-only
 * cycle or a type-only import of `hono` still couples the modules (tsPreCompilationDeps).
 *
 * Module paths below are relative to the repository root. test/unit/dependency-rules.test.ts
 * checks that these rules catch what they are meant to (a cycle, a service importing Hono).
 */

const { join } = require("node:path");

/**
 * The code that ships: the control plane, the agent, their shared modules, the schema, the CLI.
 * (Not console/: its npm packages are devDependencies, bundled into dist/static/ui at build time.)
 */
const PRODUCTION = "^(functions|agent|proto|shared|drizzle|cli)/";
/** Packages that are Hono or built on it: services must not know HTTP. */
const HONO = "(^|/)node_modules/(hono|@hono/[^/]+)/";
/** The REST API's types, generated from /openapi.json for the CLI and the console alike (npm run gen:api-client). */
const REST_API_TYPES = "^proto/generated/rest-api\\.ts$";
/** The machine state list: plain data with no imports, so the browser bundle can take it as it is. */
const MACHINE_STATES_TABLE = "^proto/machine-states\\.ts$";
/** Resolved npm packages and Node built-ins are not repository modules. */
const NOT_REPO_MODULE = [
  "core",
  "npm",
  "npm-dev",
  "npm-optional",
  "npm-peer",
  "npm-bundled",
  "npm-no-pkg",
  "npm-unknown",
];

module.exports = {
  forbidden: [
    {
      name: "no-circular",
      severity: "error",
      comment:
        "A cycle, type-only ones included: the modules can be neither understood nor tested apart. " +
        "Move what both need into a leaf module (shared types in their own file).",
      from: {},
      to: { circular: true },
    },
    {
      name: "functions-not-to-agent",
      severity: "error",
      comment:
        "The control plane and the agent never import each other; what both need lives in proto/ " +
        "(wire contracts) or shared/ (runtime-neutral code).",
      from: { path: "^functions/" },
      to: { path: "^agent/" },
    },
    {
      name: "agent-not-to-functions",
      severity: "error",
      comment:
        "The agent talks to the control plane over HTTP only; what both need lives in proto/ or shared/.",
      from: { path: "^agent/" },
      to: { path: "^functions/" },
    },
    {
      name: "drizzle-only-for-functions",
      severity: "error",
      comment:
        "drizzle/ (schema, migrations, db factory) is the control plane's; the agent never opens the database.",
      // cli/, proto/ and shared/ are kept off drizzle/ by their own, wider rules
      from: { path: "^agent/" },
      to: { path: "^drizzle/" },
    },
    {
      name: "drizzle-not-to-app",
      severity: "error",
      comment:
        "drizzle/ is used by functions/ and imports nothing from it (nor from agent/ or cli/). It throws " +
        "its own errors (drizzle/errors.ts); the control plane maps them to AppError at its edge " +
        "(functions/services/db-errors.ts).",
      from: { path: "^drizzle/" },
      to: { path: "^(functions|agent|cli)/" },
    },
    {
      name: "services-not-to-http",
      severity: "error",
      comment:
        "Services take {ctx, input} and know nothing of HTTP: no http/, middleware/, routes/, composition " +
        "roots or entries. Types a service needs (pagination, principal, selectors) live in services/.",
      from: { path: "^functions/services/" },
      to: {
        path: ["^functions/(http|middleware|routes|composition)/", "^functions/(app|node|worker)\\.ts$"],
      },
    },
    {
      name: "services-not-to-hono",
      severity: "error",
      comment: "Services know nothing of HTTP: no hono, no @hono/* (zod schemas come from zod itself).",
      from: { path: "^functions/services/" },
      to: { path: HONO },
    },
    {
      name: "cli-only-to-proto-and-shared",
      severity: "error",
      comment:
        "The CLI talks to the control plane over HTTP: in this repository it imports only proto/, shared/ " +
        "and cli/ itself (its generated API client lives under cli/), plus npm packages.",
      from: { path: "^cli/" },
      to: {
        pathNot: [
          "^(cli|proto|shared)/",
          // `ksp version` prints the package's version: data, not code
          "^package\\.json$",
          // reported once, by production-not-to-test-or-tooling
          "^(test|scripts|bench)/",
        ],
        dependencyTypesNot: NOT_REPO_MODULE,
      },
    },
    {
      name: "console-only-to-itself",
      severity: "error",
      comment:
        "The web console (console/) is a browser app that talks to the control plane over HTTP: it imports " +
        "only its own files, npm packages, the REST API's generated types (proto/generated/rest-api.ts, " +
        "shared with the CLI) and the machine state table (proto/machine-states.ts, import-free data); never " +
        "functions/, agent/, drizzle/, cli/, shared/ or the rest of proto/, whose code is not built for the " +
        "browser bundle.",
      from: { path: "^console/" },
      to: {
        pathNot: ["^console/", REST_API_TYPES, MACHINE_STATES_TABLE],
        dependencyTypesNot: NOT_REPO_MODULE,
      },
    },
    {
      name: "console-rest-api-types-only",
      severity: "error",
      comment:
        "The console takes the REST API's generated types with `import type` / `export type` only: they " +
        "vanish from the bundle, so nothing outside console/ is ever built for the browser.",
      from: { path: "^console/" },
      to: { path: REST_API_TYPES, dependencyTypesNot: ["type-only"] },
    },
    {
      name: "neutral-modules-stay-neutral",
      severity: "error",
      comment:
        "proto/ (wire contracts) and shared/ (runtime-neutral code) are imported by both sides and import " +
        "neither of them, nor the schema or the CLI.",
      from: { path: "^(proto|shared)/" },
      to: { path: "^(functions|agent|drizzle|cli)/" },
    },
    {
      name: "shared-runs-anywhere",
      severity: "error",
      comment:
        "shared/ runs on Cloudflare Workers as well as Node: no Node built-ins (node:fs, node:crypto…); " +
        "use web standards (crypto.subtle, TextEncoder, fetch) instead.",
      from: { path: "^shared/" },
      to: { dependencyTypes: ["core"] },
    },
    {
      name: "production-not-to-test-or-tooling",
      severity: "error",
      comment:
        "Shipped code never imports test/ (stand-ins, fixtures, tests) nor the dev tooling in scripts/ and " +
        "bench/, which themselves use test/support.",
      from: { path: PRODUCTION },
      to: { path: "^(test|scripts|bench)/" },
    },
    {
      name: "tooling-only-to-test-support",
      severity: "error",
      comment:
        "scripts/ (the sandbox) and bench/ are dev tooling, never shipped: they may run the stand-ins and " +
        "harnesses of test/support (as the README says the sandbox does), but never import a test.",
      from: { path: "^(scripts|bench)/" },
      to: { path: "^test/", pathNot: "^test/support/" },
    },
    {
      name: "test-support-not-to-tests",
      severity: "error",
      comment:
        "test/support is imported by tests, scripts/ and bench/; it must not pull in a test file itself.",
      from: { path: "^test/support/" },
      to: { path: "^test/", pathNot: "^test/(support|fixtures)/" },
    },
    {
      name: "not-to-unresolvable",
      severity: "error",
      comment: "An import that resolves to nothing on disk: a typo, a missing package or a moved file.",
      from: {},
      to: { couldNotResolve: true },
    },
    {
      name: "no-non-package-json",
      severity: "error",
      comment:
        "An npm package that package.json does not list works only by accident (hoisting) and breaks " +
        "on a clean install.",
      from: {},
      to: { dependencyTypes: ["npm-no-pkg", "npm-unknown"] },
    },
    {
      name: "production-not-to-dev-dep",
      severity: "error",
      comment:
        "Shipped code may use only `dependencies`: a devDependency is absent from a production install. " +
        "Type-only imports vanish at compile time and are allowed.",
      from: { path: PRODUCTION },
      to: {
        dependencyTypes: ["npm-dev"],
        dependencyTypesNot: ["type-only"],
        pathNot: "(^|/)node_modules/@types/",
      },
    },
    {
      name: "no-duplicate-dependency-types",
      severity: "error",
      comment: "A package listed in both dependencies and devDependencies: keep it in one.",
      from: {},
      to: { moreThanOneDependencyType: true, dependencyTypesNot: ["type-only"] },
    },
    {
      name: "no-orphans",
      severity: "error",
      comment:
        "A module nothing imports and that imports nothing is dead code (or a file left behind by a move). " +
        "Entry points are not orphans: they import something.",
      from: {
        orphan: true,
        pathNot: [
          "(^|/)\\.[^/]+\\.(js|cjs|mjs|ts|json)$", // dot files: tool configuration
          "\\.d\\.ts$",
          "(^|/)tsconfig\\.json$",
          "^[^/]+\\.config\\.(js|cjs|mjs|ts)$", // vitest.config.ts, drizzle.config.ts: read by their tools
        ],
      },
      to: {},
    },
    {
      name: "not-to-deprecated",
      severity: "warn",
      comment: "A package version its authors deprecated: upgrade it or find an alternative.",
      from: {},
      to: { dependencyTypes: ["deprecated"] },
    },
    {
      name: "no-deprecated-core",
      severity: "warn",
      comment: "A Node built-in module that Node deprecated.",
      from: {},
      to: {
        dependencyTypes: ["core"],
        path: ["^(node:)?(punycode|domain|constants|sys|_linklist|_stream_wrap)$"],
      },
    },
  ],
  options: {
    // Everything checked in: generated and local outputs are not source, and the fixtures of
    // test/unit/dependency-rules.test.ts break the rules on purpose.
    exclude: {
      // (not node_modules: excluding it would hide the imports of packages the rules are about;
      // doNotFollow below keeps the cruise out of it)
      path: [
        "^dist/",
        "^\\.data/",
        "^\\.wrangler/",
        "^\\.git/",
        "^coverage/",
        "^test/fixtures/dependency-rules/",
      ],
    },
    doNotFollow: { path: ["(^|/)node_modules/"] },
    moduleSystems: ["es6", "cjs"],
    // Type-only imports are dependencies too: a type-only cycle is still a cycle.
    tsPreCompilationDeps: true,
    // absolute, so the config works from any directory (the rules' tests cruise fixture trees with it)
    tsConfig: { fileName: join(__dirname, "tsconfig.json") },
    enhancedResolveOptions: {
      // package.json `exports` (hono/body-limit, csv-parse/sync, …) as Node and TypeScript read them
      exportsFields: ["exports"],
      conditionNames: ["import", "require", "node", "default", "types"],
      mainFields: ["module", "main", "types", "typings"],
      extensions: [".ts", ".tsx", ".d.ts", ".js", ".mjs", ".cjs", ".json"],
    },
  },
};
