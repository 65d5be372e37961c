import packageJson from "../../package.json" with { type: "json" };
import { renderJson } from "../output.ts";
import type { Command } from "./types.ts";

export const CLI_VERSION: string = packageJson.version;

export const versionCommand: Command = {
  words: ["version"],
  summary: "Print the ksp CLI version",
  async run({ config, io }) {
    io.stdout(config.output === "json" ? renderJson({ version: CLI_VERSION }) : `ksp ${CLI_VERSION}\n`);
    return 0;
  },
};
