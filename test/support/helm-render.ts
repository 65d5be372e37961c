/**
 * Renders a Helm chart with test/support/helm-render (a Go stand-in for `helm template`, because
 * Helm is not in Debian's packages). The Go program is built once per content of its source, in
 * GOPATH mode against Debian's Go packages; without Go the build throws, so the tests that use
 * this fail rather than skip:
 *
 *   apt-get install -y golang-go golang-github-masterminds-sprig-dev golang-gopkg-yaml.v3-dev
 */
import { execFileSync, spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, renameSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { parseAllDocuments } from "yaml";

const SOURCE_DIR = path.join(import.meta.dirname, "helm-render");
export const HELM_RENDER_APT_PACKAGES = [
  "golang-go",
  "golang-github-masterminds-sprig-dev",
  "golang-gopkg-yaml.v3-dev",
];

let built: string | undefined;

/** Path of the compiled renderer, building it if this source has not been built yet. */
export function helmRenderBinary(): string {
  if (built) return built;
  const source = readFileSync(path.join(SOURCE_DIR, "main.go"));
  const hash = createHash("sha256").update(source).digest("hex").slice(0, 16);
  const dir = path.join(tmpdir(), `ksp-helm-render-${hash}`);
  const binary = path.join(dir, "helm-render");
  if (!existsSync(binary)) {
    mkdirSync(dir, { recursive: true });
    // Build under a private name, then rename: test files running in parallel may build at once.
    const partial = `${binary}.${process.pid}`;
    try {
      execFileSync("go", ["build", "-o", partial, "."], {
        cwd: SOURCE_DIR,
        env: {
          ...process.env,
          GO111MODULE: "off",
          GOPATH: "/usr/share/gocode",
          GOFLAGS: "",
          GOCACHE: process.env.GOCACHE ?? path.join(tmpdir(), "ksp-go-build-cache"),
        },
        stdio: ["ignore", "pipe", "pipe"],
      });
    } catch (error) {
      const err = error as NodeJS.ErrnoException & { stderr?: Buffer };
      const why = err.code === "ENOENT" ? "`go` is not installed" : String(err.stderr ?? err.message);
      throw new Error(
        `cannot build test/support/helm-render: ${why}\n(needs: apt-get install -y ${HELM_RENDER_APT_PACKAGES.join(" ")})`,
      );
    }
    renameSync(partial, binary);
  }
  built = binary;
  return binary;
}

export interface RenderOptions {
  name?: string;
  namespace?: string;
  /** Deep-merged over values.yaml like `--set`; null deletes a key. */
  values?: Record<string, unknown>;
  /** Extra `.Capabilities.APIVersions`, like `helm template --api-versions`. */
  apiVersions?: string[];
}

export interface RenderResult {
  status: number | null;
  stdout: string;
  stderr: string;
}

export function renderChartRaw(chartDir: string, options: RenderOptions = {}): RenderResult {
  const args = [
    "--name",
    options.name ?? "release-name",
    "--namespace",
    options.namespace ?? "default",
    ...(options.values ? ["--set-json", JSON.stringify(options.values)] : []),
    ...(options.apiVersions?.length ? ["--api-versions", options.apiVersions.join(",")] : []),
    chartDir,
  ];
  const result = spawnSync(helmRenderBinary(), args, { encoding: "utf8" });
  if (result.error) throw result.error;
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

// biome-ignore lint/suspicious/noExplicitAny: rendered manifests are free-form YAML; the tests check their shape
export type RenderedDocument = Record<string, any> & { source: string };

/** Renders and parses every document; throws with the renderer's message when rendering fails or YAML is invalid. */
export function renderChart(chartDir: string, options: RenderOptions = {}): RenderedDocument[] {
  const result = renderChartRaw(chartDir, options);
  if (result.status !== 0) throw new Error(`helm-render failed: ${result.stderr.trim()}`);
  return parseAllDocuments(result.stdout).map((doc) => {
    const errors = [...doc.errors, ...doc.warnings].map((e) => e.message);
    const source =
      /Source: (.+)/.exec(doc.commentBefore ?? doc.contents?.commentBefore ?? "")?.[1]?.trim() ?? "";
    if (errors.length > 0) throw new Error(`${source || "a rendered document"} is not valid YAML: ${errors}`);
    return { ...(doc.toJS() as object), source };
  });
}
