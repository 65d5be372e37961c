/**
 * infra/docker/*.Dockerfile and .dockerignore without a Docker engine (none in CI, and hadolint is
 * not in Debian's packages): dockerfile-utils (the parser behind the Docker language server) must
 * report nothing, and the rules a build would only reveal at run time are checked here:
 * multi-stage, pinned bases, `npm ci` only, no ADD, a numeric non-root USER matching the
 * manifests, the CMD is the package.json script, ENV settings parse as the program's own, every
 * file the entry point imports is COPY'd and let through .dockerignore while secrets are not,
 * and the HEALTHCHECK command, run for real, passes against the real health route and fails
 * without a server.
 */
import { execFile } from "node:child_process";
import { existsSync, readFileSync, statSync } from "node:fs";
import type { AddressInfo } from "node:net";
import path from "node:path";
import { promisify } from "node:util";
import { serve } from "@hono/node-server";
import { validate } from "dockerfile-utils";
import ts from "typescript";
import { describe, expect, it } from "vitest";
import { parseAllDocuments } from "yaml";
import { AGENT_FIELDS } from "../../../agent/config/fields.ts";
import { parseListenAddress } from "../../../agent/config/values.ts";
import { startHealthServer } from "../../../agent/health.ts";
import { createApp } from "../../../functions/app.ts";
import { DEFAULT_PORT, parseNodeEnv } from "../../../functions/env.ts";
import packageJson from "../../../package.json" with { type: "json" };
import { createLogger } from "../../../shared/logger.ts";
import { testDeps } from "../../support/app-test-deps.ts";

const ROOT = path.resolve(import.meta.dirname, "../../..");
const run = promisify(execFile);

interface Instruction {
  keyword: string;
  args: string;
}

/** Instructions with continuation lines joined and comments dropped (Docker drops them inside continuations too). */
function instructions(text: string): Instruction[] {
  const out: Instruction[] = [];
  let pending = "";
  for (const line of text.split("\n")) {
    if (/^\s*#/.test(line) || (pending === "" && line.trim() === "")) continue;
    if (line.endsWith("\\")) {
      pending += `${line.slice(0, -1)} `;
      continue;
    }
    const full = (pending + line).trim();
    pending = "";
    const keyword = full.split(/\s+/)[0] ?? "";
    out.push({ keyword: keyword.toUpperCase(), args: full.slice(keyword.length).trim() });
  }
  return out;
}

/** Stages by FROM; each keeps its name (AS x) and its instructions. */
function stages(list: Instruction[]) {
  const out: { from: string; name: string | undefined; body: Instruction[] }[] = [];
  for (const instruction of list) {
    if (instruction.keyword === "FROM") {
      const [image = "", , name] = instruction.args.split(/\s+/);
      out.push({ from: image, name, body: [] });
    } else out.at(-1)?.body.push(instruction);
  }
  return out;
}

const words = (args: string) => args.split(/\s+/).filter((w) => !w.startsWith("--"));
const flag = (args: string, name: string) => new RegExp(`--${name}=(\\S+)`).exec(args)?.[1];

/** .dockerignore as Docker reads it: last matching pattern wins, a pattern matching a parent directory matches its files. */
function dockerignore(text: string): (file: string) => boolean {
  const rules = text
    .split("\n")
    .map((line) => line.trim())
    .filter((line) => line !== "" && !line.startsWith("#"))
    .map((line) => {
      const negate = line.startsWith("!");
      const pattern = (negate ? line.slice(1) : line).replace(/^\/+|\/+$/g, "");
      let source = "";
      for (let i = 0; i < pattern.length; i++) {
        const c = pattern[i]!;
        if (c === "*" && pattern[i + 1] === "*") {
          i++;
          if (pattern[i + 1] === "/") {
            i++;
            source += "(?:.*/)?";
          } else source += ".*";
        } else if (c === "*") source += "[^/]*";
        else if (c === "?") source += "[^/]";
        else source += c.replace(/[.+^${}()|[\]\\]/g, "\\$&");
      }
      return { negate, re: new RegExp(`^${source}$`) };
    });
  return (file) => {
    const parts = file.split("/");
    const candidates = parts.map((_, i) => parts.slice(0, i + 1).join("/"));
    let excluded = false;
    for (const rule of rules) if (candidates.some((c) => rule.re.test(c))) excluded = !rule.negate;
    return excluded;
  };
}

const isExcluded = dockerignore(readFileSync(path.join(ROOT, ".dockerignore"), "utf8"));

/** Every repository file the entry point reaches through relative imports (TypeScript's own import scanner). */
function importGraph(entry: string): Set<string> {
  const seen = new Set<string>();
  const queue = [path.join(ROOT, entry)];
  while (queue.length > 0) {
    const file = queue.pop()!;
    if (seen.has(file)) continue;
    seen.add(file);
    if (!file.endsWith(".ts")) continue;
    const { importedFiles } = ts.preProcessFile(readFileSync(file, "utf8"), true, true);
    for (const { fileName } of importedFiles) {
      if (!fileName.startsWith(".")) continue;
      const target = path.resolve(path.dirname(file), fileName);
      if (!existsSync(target)) throw new Error(`${path.relative(ROOT, file)} imports missing ${fileName}`);
      queue.push(target);
    }
  }
  return new Set([...seen].map((file) => path.relative(ROOT, file)));
}

const manifestRunAsUser = () => {
  const deployment = parseAllDocuments(readFileSync(path.join(ROOT, "infra/agent/deployment.yaml"), "utf8"))
    .map((d) => d.toJS())
    .find((d) => d?.kind === "Deployment");
  return deployment.spec.template.spec.securityContext.runAsUser as number;
};

const IMAGES = [
  {
    file: "infra/docker/control-plane.Dockerfile",
    entry: "functions/node.ts",
    script: packageJson.scripts.start,
  },
  { file: "infra/docker/agent.Dockerfile", entry: "agent/main.ts", script: packageJson.scripts.agent },
] as const;

describe.each(IMAGES)("$file", ({ file, entry, script }) => {
  const text = readFileSync(path.join(ROOT, file), "utf8");
  const all = instructions(text);
  const built = stages(all);
  const runtime = built.at(-1)!;
  const last = (keyword: string) => runtime.body.filter((i) => i.keyword === keyword).at(-1);
  const env = Object.fromEntries(
    runtime.body
      .filter((i) => i.keyword === "ENV")
      .flatMap((i) => [...i.args.matchAll(/(\w+)=(\S+)/g)].map((m) => [m[1]!, m[2]!])),
  );

  it("has no problems dockerfile-utils can find (syntax, flags, casing, signals, ports)", () => {
    expect(validate(text).map((d) => `${d.range.start.line + 1}: ${d.message}`)).toEqual([]);
  });

  it("builds in stages from pinned node bookworm-slim bases, with `npm ci` only and no ADD", () => {
    expect(built.length).toBeGreaterThanOrEqual(2);
    for (const stage of built) {
      expect(stage.from).toMatch(/^node:\d+\.\d+\.\d+-bookworm-slim(@sha256:[0-9a-f]{64})?$/);
      expect(stage.name, `every stage is named: ${stage.from}`).toMatch(/^[a-z][a-z0-9-]*$/);
    }
    // one base for all stages: node_modules built in one must run in another
    expect(new Set(built.map((s) => s.from)).size).toBe(1);
    expect(packageJson.engines.node).toMatch(/^>=20/);
    expect(all.filter((i) => i.keyword === "ADD")).toEqual([]);
    const runs = all.filter((i) => i.keyword === "RUN").map((i) => i.args);
    expect(runs.filter((r) => /npm (install|i)\b/.test(r))).toEqual([]);
    expect(runs.some((r) => r.includes("npm ci --omit=dev"))).toBe(true);
    // no dev dependencies in the image: its node_modules come from the --omit=dev stage
    const modules = runtime.body.find((i) => i.keyword === "COPY" && i.args.includes("node_modules"))!;
    const depsStage = built.find((s) => s.name === flag(modules.args, "from"))!;
    expect(depsStage.body.some((i) => i.keyword === "RUN" && i.args.includes("npm ci --omit=dev"))).toBe(
      true,
    );
  });

  it("runs as the numeric non-root user the Kubernetes manifests use, and is labelled", () => {
    const user = last("USER")!.args;
    expect(user).toMatch(/^\d+:\d+$/);
    const [uid, gid] = user.split(":").map(Number);
    expect(uid).toBeGreaterThan(0);
    expect(gid).toBeGreaterThan(0);
    expect(uid).toBe(manifestRunAsUser());
    const indexOf = (i: Instruction | undefined) => runtime.body.indexOf(i!);
    expect(indexOf(last("USER"))).toBeLessThan(indexOf(last("CMD")));
    expect(runtime.body.find((i) => i.keyword === "LABEL")?.args).toContain(
      "org.opencontainers.image.title=",
    );
    expect(last("STOPSIGNAL")?.args).toBe("SIGTERM");
  });

  it("starts the entry point exactly as the package.json script does, without npm in between", () => {
    expect(JSON.parse(last("CMD")!.args).join(" ")).toBe(script);
    expect(script).toContain(entry);
    expect(last("ENTRYPOINT")).toBeUndefined();
  });

  it("COPYs every file the entry point imports, each present in the repository and let through .dockerignore", () => {
    const fromContext = all.filter((i) => i.keyword === "COPY" && !flag(i.args, "from"));
    const sources = fromContext.flatMap((i) => words(i.args).slice(0, -1));
    for (const source of sources) {
      expect(existsSync(path.join(ROOT, source)), `${source} exists`).toBe(true);
      expect(isExcluded(source), `${source} is let through .dockerignore`).toBe(false);
    }
    const runtimeSources = runtime.body
      .filter((i) => i.keyword === "COPY" && !flag(i.args, "from"))
      .flatMap((i) => words(i.args).slice(0, -1));
    const copied = (file: string) =>
      runtimeSources.some(
        (s) => file === s || (statSync(path.join(ROOT, s)).isDirectory() && file.startsWith(`${s}/`)),
      );
    const graph = [...importGraph(entry)];
    expect(graph.length).toBeGreaterThan(20);
    expect(graph.filter((f) => !copied(f))).toEqual([]);
    expect(graph.filter((f) => isExcluded(f))).toEqual([]);
    // stage-to-stage copies name an earlier stage
    for (const copy of all.filter((i) => i.keyword === "COPY" && flag(i.args, "from"))) {
      expect(built.map((s) => s.name)).toContain(flag(copy.args, "from"));
    }
  });

  it("bakes in no secrets: ENV and ARG carry only non-secret settings the program itself accepts", () => {
    const args = runtime.body.filter((i) => i.keyword === "ARG").map((i) => i.args.split("=")[0]);
    for (const name of [...Object.keys(env), ...args]) {
      expect(name).not.toMatch(/TOKEN|SECRET|PASSWORD|KEY|DATABASE_URL|CREDENTIAL/);
    }
    if (entry === "agent/main.ts") {
      const known = new Set(AGENT_FIELDS.map((f) => f.env));
      for (const name of Object.keys(env).filter((n) => n.startsWith("KSP_"))) expect(known).toContain(name);
    } else {
      expect(parseNodeEnv(env)).toMatchObject({ ok: true });
    }
  });
});

describe("infra/docker/control-plane.Dockerfile specifics", () => {
  const all = instructions(readFileSync(path.join(ROOT, "infra/docker/control-plane.Dockerfile"), "utf8"));
  const runtime = stages(all).at(-1)!;
  const env = parseNodeEnv(
    Object.fromEntries(
      runtime.body
        .filter((i) => i.keyword === "ENV")
        .flatMap((i) => [...i.args.matchAll(/(\w+)=(\S+)/g)].map((m) => [m[1]!, m[2]!])),
    ),
  );

  it("listens on all interfaces on the exposed port and keeps embedded data in a volume it owns", () => {
    if (!env.ok) throw new Error(env.problems.join("; "));
    expect(env.settings.host).toBe("0.0.0.0");
    expect(env.settings.port).toBe(DEFAULT_PORT);
    expect(runtime.body.filter((i) => i.keyword === "EXPOSE").map((i) => i.args)).toEqual([
      String(DEFAULT_PORT),
    ]);
    expect(JSON.parse(runtime.body.find((i) => i.keyword === "VOLUME")!.args)).toEqual([
      env.settings.dataDir,
    ]);
    const user = runtime.body.find((i) => i.keyword === "USER")!.args;
    expect(
      runtime.body.some(
        (i) => i.keyword === "RUN" && i.args.includes(`chown ${user} ${env.settings.dataDir}`),
      ),
    ).toBe(true);
  });

  it("builds the console into dist/static and copies it into the image", () => {
    const build = stages(all).find((s) => s.body.some((i) => i.args === "npm run build:console"))!;
    expect(packageJson.scripts["build:console" as keyof typeof packageJson.scripts]).toBeDefined();
    const copy = runtime.body.find((i) => i.keyword === "COPY" && flag(i.args, "from") === build.name)!;
    expect(words(copy.args)).toEqual(["/app/dist/static", "./dist/static"]);
  });
});

describe("infra/docker/agent.Dockerfile specifics", () => {
  it("exposes the gRPC and health ports the agent listens on by default", () => {
    const runtime = stages(
      instructions(readFileSync(path.join(ROOT, "infra/docker/agent.Dockerfile"), "utf8")),
    ).at(-1)!;
    const exposed = runtime.body.filter((i) => i.keyword === "EXPOSE").flatMap((i) => i.args.split(/\s+/));
    const port = (key: string) =>
      String(parseListenAddress(AGENT_FIELDS.find((f) => f.key === key)!.default!)?.port);
    expect(exposed).toEqual([port("grpcListen"), port("healthListen")]);
  });
});

describe(".dockerignore", () => {
  it("lets the sources through and keeps local data, secrets, build output and tests out", () => {
    for (const file of [
      "package.json",
      "functions/node.ts",
      "agent/main.ts",
      "drizzle/migrations/meta/_journal.json",
    ]) {
      expect(isExcluded(file), file).toBe(false);
    }
    for (const file of [
      ".dev.vars",
      ".env",
      ".data/pglite/PG_VERSION",
      "node_modules/hono/package.json",
      "functions/node_modules/x.js",
      "dist/static/ui/index.html",
      ".git/config",
      "sandbox.json",
      "test/support/test-pki.ts",
      "agent/.env.local",
      "shared/server.key",
      "README.md",
    ]) {
      expect(isExcluded(file), file).toBe(true);
    }
  });
});

describe("HEALTHCHECK, run for real", () => {
  const healthcheck = (file: string) => {
    const list = instructions(readFileSync(path.join(ROOT, file), "utf8"));
    const args = list.find((i) => i.keyword === "HEALTHCHECK")!.args;
    const command = JSON.parse(args.slice(args.indexOf("CMD") + 3)) as string[];
    expect(command[0]).toBe("node");
    return (env: Record<string, string>) =>
      run(process.execPath, command.slice(1), {
        env: { ...env, PATH: process.env.PATH ?? "" },
        timeout: 10_000,
      }).then(
        () => 0,
        (err: { code?: number }) => err.code ?? -1,
      );
  };

  it("control plane: passes against the app's /healthz and fails with no server", async () => {
    const probe = healthcheck("infra/docker/control-plane.Dockerfile");
    const app = createApp(testDeps());
    const server = serve({ fetch: app.fetch, port: 0, hostname: "127.0.0.1" });
    await new Promise((resolve) => server.once("listening", resolve));
    const port = (server.address() as AddressInfo).port;
    try {
      expect(await probe({ PORT: String(port) })).toBe(0);
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
    expect(await probe({ PORT: String(port) })).toBe(1);
  });

  it("agent: passes against the health server on KSP_HEALTH_LISTEN's port and fails with no server", async () => {
    const probe = healthcheck("infra/docker/agent.Dockerfile");
    const listen = AGENT_FIELDS.find((f) => f.key === "healthListen")!.default!;
    expect(parseListenAddress(listen)?.port).toBe(8087);
    const server = await startHealthServer({
      listen: { host: "127.0.0.1", port: 0 },
      readiness: () => ({ ready: false, reason: "liveness does not care" }),
      logger: createLogger({ sink: () => {} }),
    });
    const address = `0.0.0.0:${server.address.port}`;
    try {
      expect(await probe({ KSP_HEALTH_LISTEN: address })).toBe(0);
    } finally {
      await server.close();
    }
    expect(await probe({ KSP_HEALTH_LISTEN: address })).toBe(1);
  });
});
