/**
 * The `ksp` command tree (commander): global flags, every command, the help
 * text (exit codes included) and completion generated from the tree itself.
 */
import { Argument, Command, Option } from "commander";
import { registerAuditCommands } from "./commands/audit.ts";
import { registerClusterCommands } from "./commands/cluster.ts";
import { registerDeadLetterCommands } from "./commands/dead-letter.ts";
import { registerEncryptionCommands } from "./commands/encryption.ts";
import { registerEventCommands } from "./commands/event.ts";
import { registerHealthCommand } from "./commands/health.ts";
import { registerLoginCommands } from "./commands/login.ts";
import { registerMachineCommands } from "./commands/machine.ts";
import { registerPoolCommands } from "./commands/pool.ts";
import { registerSshKeyCommands } from "./commands/ssh-key.ts";
import { registerStatusCommand } from "./commands/status.ts";
import { registerTokenCommands } from "./commands/token.ts";
import { CLI_VERSION, registerVersionCommand } from "./commands/version.ts";
import { registerWhoamiCommand } from "./commands/whoami.ts";
import { completionScript, SHELLS, type Shell } from "./completion.ts";
import { DEFAULT_URL } from "./config.ts";
import { EXIT_CODE_HELP } from "./exit-codes.ts";
import { OUTPUT_FORMATS } from "./output.ts";
import type { Runtime } from "./runtime.ts";

export function exitCodeHelp(): string {
  return `Exit codes:\n${EXIT_CODE_HELP.map(([code, meaning]) => `  ${code}  ${meaning}`).join("\n")}`;
}

const ENVIRONMENT_HELP = [
  "Connection (flags win over the environment, which wins over the config file's context):",
  `  --url / KSP_URL, --token / KSP_TOKEN, --context / the current context; default URL ${DEFAULT_URL}.`,
  "  A context's token is only sent to that context's URL. Config file: $KSP_CONFIG, else",
  "  $XDG_CONFIG_HOME/ksp/config.yaml, else ~/.config/ksp/config.yaml (mode 0600; see ksp login).",
  "Names: clusters and machines by id or name (a machine's name is its host name); a pool by",
  "  <cluster>/<pool>.",
].join("\n");

export function buildProgram(rt: Runtime): Command {
  const program = new Command("ksp");
  program
    .description(
      "Operate kube-static-pool: clusters, pools, machines, tokens, events and audit over the REST API",
    )
    .version(CLI_VERSION, "-V, --version", "print the CLI version")
    .option("--url <url>", "control plane base URL [env KSP_URL]")
    .option(
      "--token <token>",
      "API token [env KSP_TOKEN; prefer ksp login or the env: flags show in the process list]",
    )
    .option("--context <name>", "config file context to use (ksp login: the context to write)")
    .addOption(new Option("-o, --output <format>", "output format").choices(OUTPUT_FORMATS).default("table"))
    .option("--no-headers", "print tables without their header row")
    .configureOutput({
      writeOut: (text) => rt.deps.stdout(text),
      writeErr: (text) => rt.deps.stderr(text),
    })
    .configureHelp({ showGlobalOptions: true })
    .exitOverride()
    .showHelpAfterError("(run with --help for usage)")
    .showSuggestionAfterError(true)
    .addHelpText("after", `\n${ENVIRONMENT_HELP}\n\n${exitCodeHelp()}\n`);

  registerLoginCommands(program, rt);
  registerWhoamiCommand(program, rt);
  registerClusterCommands(program, rt);
  registerPoolCommands(program, rt);
  registerMachineCommands(program, rt);
  registerTokenCommands(program, rt);
  registerSshKeyCommands(program, rt);
  registerDeadLetterCommands(program, rt);
  registerEventCommands(program, rt);
  registerAuditCommands(program, rt);
  registerEncryptionCommands(program, rt);
  registerStatusCommand(program, rt);
  registerHealthCommand(program, rt);
  registerVersionCommand(program, rt);

  program
    .command("completion")
    .description("Print a shell completion script (bash, zsh or fish)")
    .addArgument(new Argument("<shell>", "bash, zsh or fish").choices(SHELLS))
    .addHelpText(
      "after",
      "\nbash: source <(ksp completion bash)   zsh: source <(ksp completion zsh)   fish: ksp completion fish | source",
    )
    .action((shell: Shell) => {
      rt.deps.stdout(completionScript(program, shell));
    });

  return program;
}
