import type { Command } from "commander";
import packageJson from "../../package.json" with { type: "json" };
import { renderJson, renderYaml } from "../output.ts";
import { printOptionsOf, type Runtime } from "../runtime.ts";

export const CLI_VERSION: string = packageJson.version;

export function registerVersionCommand(program: Command, rt: Runtime): void {
  program
    .command("version")
    .description("Print the ksp CLI version")
    .action((_options, cmd: Command) => {
      const { output } = printOptionsOf(cmd);
      const value = { version: CLI_VERSION };
      rt.deps.stdout(
        output === "json"
          ? renderJson(value)
          : output === "yaml"
            ? renderYaml(value)
            : `ksp ${CLI_VERSION}\n`,
      );
    });
}
