import { spawnSync } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { commandTree, completionScript } from "../../../cli/completion.ts";
import { buildProgram } from "../../../cli/program.ts";
import { testDeps } from "../../support/cli/deps.ts";

const program = () => buildProgram({ deps: testDeps({}, fetch), exitCode: 0 });

function bashComplete(script: string, words: string[]): string {
  const file = join(mkdtempSync(join(tmpdir(), "ksp-completion-")), "ksp.bash");
  writeFileSync(file, script);
  const quoted = words.map((word) => `'${word}'`).join(" ");
  const result = spawnSync(
    "bash",
    [
      "-c",
      `source ${file}; COMP_WORDS=(${quoted}); COMP_CWORD=${words.length - 1}; _ksp; echo "\${COMPREPLY[*]}"`,
    ],
    { encoding: "utf8" },
  );
  expect(result.stderr).toBe("");
  return result.stdout.trim();
}

describe("ksp completion", () => {
  it("walks the whole command tree: every command with its subcommands and flags", () => {
    const nodes = new Map(commandTree(program()).map((node) => [node.path, node]));
    expect(nodes.get("")?.subcommands.map((s) => s.name)).toEqual([
      "login",
      "config",
      "whoami",
      "cluster",
      "pool",
      "machine",
      "token",
      "ssh-key",
      "dead-letter",
      "event",
      "audit",
      "encryption",
      "status",
      "health",
      "version",
      "completion",
    ]);
    expect(nodes.get("pool")?.subcommands.map((s) => s.name)).toEqual([
      "list",
      "get",
      "create",
      "update",
      "enable",
      "disable",
      "delete",
      "status",
      "wait",
    ]);
    expect(nodes.get("machine")?.subcommands.map((s) => s.name)).toEqual([
      "list",
      "get",
      "add",
      "import",
      "update",
      "assign",
      "unassign",
      "maintenance",
      "fault",
      "restore",
      "archive",
    ]);
    expect(nodes.get("machine list")?.flags).toEqual(
      expect.arrayContaining([
        "-l",
        "--selector",
        "-w",
        "--watch",
        "--watch-interval",
        "-o",
        "--output",
        "--no-headers",
      ]),
    );
    expect(nodes.get("pool wait")?.flags).toEqual(
      expect.arrayContaining(["--size", "--timeout", "--context"]),
    );
  });

  it("follows the tree, not a list: a command added to the program completes", () => {
    const tree = program();
    tree.command("frobnicate").option("--hard", "really");
    const script = completionScript(tree, "bash");
    expect(bashComplete(script, ["ksp", "frob"])).toBe("frobnicate");
    expect(bashComplete(script, ["ksp", "frobnicate", "--ha"])).toBe("--hard");
  });

  it("completes commands, flags and flag values in bash", () => {
    const script = completionScript(program(), "bash");
    expect(spawnSync("bash", ["-n"], { input: script }).status).toBe(0);
    expect(bashComplete(script, ["ksp", ""]).split(" ")).toContain("machine");
    expect(bashComplete(script, ["ksp", "--context", "x", "machine", "ma"])).toBe("maintenance");
    expect(bashComplete(script, ["ksp", "machine", "import", "--mode", ""])).toBe(
      "all-or-nothing best-effort",
    );
    expect(bashComplete(script, ["ksp", "completion", "--h"])).toBe("--help");
  });

  it("writes zsh and fish scripts from the same tree", () => {
    const zsh = completionScript(program(), "zsh");
    expect(zsh.startsWith("#compdef ksp\n")).toBe(true);
    expect(zsh).toContain("    'pool') echo 'list get create update enable disable delete status wait' ;;");
    expect(zsh).toContain("compdef _ksp ksp");
    const fish = completionScript(program(), "fish");
    expect(fish).toContain(
      String.raw`complete -c ksp -n 'test (__ksp_path) = \'pool\'' -a 'status' -d 'A pool\'s machines per state, bounds, and why it did or did not scale'`,
    );
    expect(fish).toContain(
      "complete -c ksp -n 'test (__ksp_path) = \\'machine list\\'' -s o -x -a 'table wide json yaml name'",
    );
  });
});
