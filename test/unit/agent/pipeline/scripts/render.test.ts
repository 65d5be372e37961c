import { execFileSync } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { HOOK_SCRIPT } from "../../../../../agent/pipeline/scripts/hook.ts";
import { ALL_SCRIPTS, SCRIPTS_VERSION, scriptCommand } from "../../../../../agent/pipeline/scripts/index.ts";
import { MARKER_CHECK_SCRIPT } from "../../../../../agent/pipeline/scripts/join.ts";
import { defineScript, renderScript } from "../../../../../agent/pipeline/scripts/render.ts";

const INJECTION = "$(touch pwned) `touch pwned2`; touch pwned3\ntouch pwned4 'x' \"y\" \\";
const valuesFor = (params: readonly string[], value: string) =>
  Object.fromEntries(params.map((p) => [p, value]));

const dirs: string[] = [];
const tempDir = () => {
  const dir = mkdtempSync(path.join(tmpdir(), "ksp-render-"));
  dirs.push(dir);
  return dir;
};

describe("script templates", () => {
  afterAll(() => {
    for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
  });

  it("every template declares KSP_* params, renders with a versioned header and parses under sh -n", () => {
    const names = new Set<string>();
    for (const template of ALL_SCRIPTS) {
      expect(names.has(template.name)).toBe(false);
      names.add(template.name);
      const script = renderScript(template, valuesFor(template.params, INJECTION));
      const lines = script.split("\n");
      expect(lines[0]).toBe("#!/bin/sh");
      expect(lines[1]).toBe(
        `# kube-static-pool ${template.name} v${template.version} (scripts v${SCRIPTS_VERSION})`,
      );
      expect(lines[2]).toBe("set -eu");
      // Bodies read values from variables only; nothing of the value is pasted outside the quotes.
      expect(template.body).not.toContain("pwned");
      execFileSync("sh", ["-n", "-c", script]);
    }
    expect(names.size).toBe(ALL_SCRIPTS.length);
  });

  it("refuses missing, unknown and badly named parameters", () => {
    expect(() => renderScript(MARKER_CHECK_SCRIPT, { KSP_PATH: "/x" })).toThrow(/missing \[KSP_CONTENT\]/);
    expect(() =>
      renderScript(MARKER_CHECK_SCRIPT, { KSP_PATH: "/x", KSP_CONTENT: "", KSP_EXTRA: "" }),
    ).toThrow(/unknown parameters \[KSP_EXTRA\]/);
    expect(() => defineScript({ name: "x", version: 1, params: ["PATH"], body: "true" })).toThrow(/KSP_/);
  });

  it("runs with hostile values as plain data: nothing executes, the value arrives intact", () => {
    const dir = tempDir();
    const marker = path.join(dir, "marker");
    const hook = 'printf "%s|%s" "$KSP_NODE_NAME" "$KSP_POOL" > "$OUT_FILE"; echo $KSP_POOL $KSP_NODE_NAME';
    const command = scriptCommand(HOOK_SCRIPT, {
      ...valuesFor(HOOK_SCRIPT.params, INJECTION),
      KSP_MARKER: marker,
      KSP_MARKER_CONTENT: INJECTION,
    });
    expect(command).not.toContain("OUT_FILE"); // the hook travels on stdin, not on the command line
    const out = path.join(dir, "out");
    const env = { ...process.env, OUT_FILE: out };
    const stdout = execFileSync("sh", ["-c", command], { cwd: dir, env, input: hook });
    expect(readFileSync(out, "utf8")).toBe(`${INJECTION}|${INJECTION}`);
    expect(stdout.toString()).toContain("$(touch pwned)");
    expect(readFileSync(marker, "utf8")).toBe(`${INJECTION}\n`);
    expect(readdirSync(dir).sort()).toEqual(["marker", "out"]);
    const check = execFileSync("sh", [
      "-c",
      scriptCommand(MARKER_CHECK_SCRIPT, { KSP_PATH: marker, KSP_CONTENT: INJECTION }),
    ]);
    expect(check.toString()).toBe("state=done\n");
  });

  it("a failing hook fails the script with the hook's exit code and writes no marker", () => {
    const dir = tempDir();
    const command = scriptCommand(HOOK_SCRIPT, {
      ...valuesFor(HOOK_SCRIPT.params, ""),
      KSP_MARKER: path.join(dir, "marker"),
    });
    let status = 0;
    try {
      execFileSync("sh", ["-c", command], { stdio: "pipe", input: "#!/bin/sh\necho failing >&2\nexit 7" });
    } catch (err) {
      status = (err as { status: number }).status;
    }
    expect(status).toBe(7);
    expect(readdirSync(dir)).toEqual([]);
  });
});
